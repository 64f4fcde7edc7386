"""Business A with one of everything, its text hostile, filled in the way text really arrives.

Customers answer surveys through the public API, staff log interactions and case notes
through the API, owners build surveys, journeys and aspects through the API, reviews are
typed in and imported from CSV through the owner's pages, customers through a CSV import.
Every free-text field gets `payload(label)`: script and event-handler markup, closing
tags, template syntax and unicode look-alikes, marked with where it went, so the stored
XSS test can say which field leaked and the schema fuzz hits real objects full of it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core import mail
from django.test import Client

from accounts.models import ApiKeyScope, Business, Location, User
from accounts.services import api_key_create, location_create, membership_add
from customers.models import Customer, CustomerImport
from feedback.models import (
    Answer,
    CaseNote,
    FollowUpCase,
    Interaction,
    Invitation,
    Question,
    Response,
    Survey,
)
from journeys.models import Stage, Touchpoint
from metrics.models import ClvFitJob
from reputation.models import Review, ReviewRequest, ReviewSource
from tests.factories import UserFactory
from textanalysis.models import Alert, Aspect, RescoreJob

# What a page must never contain raw: markup that would run (or load) something.
DANGEROUS_MARKUP = ('<script>xss("', '<img src=x onerror=xss("', "<svg onload=xss('")
# Words VADER scores strongly negative, so a comment raises an alert and opens a case.
ANGRY = "Terrible, awful, disgusting service. Worst visit ever, I am furious. "


def payload(label: str) -> str:
    """Text that runs script if shown unescaped, naming the field (`label`) it went into.

    Script and event-handler markup, a closing </textarea>, a javascript: link, Django
    template syntax (which must show as typed, never be evaluated), a right-to-left
    override, a zero-width no-break space, and a full-width script tag that NFKC
    normalisation would turn into a real one.
    """
    return (
        f'<script>xss("{label}")</script>"><img src=x onerror=xss("{label}")>'
        f"</textarea><svg onload=xss('{label}')>javascript:xss('{label}')"
        "{{ 7|add:7 }}{% now 'Y' %}\u202e\ufeff"
        f'\uff1cscript\uff1exss("{label}")\uff1c/script\uff1e'
    )


def medium_payload(label: str) -> str:
    return f'"><img src=x onerror=xss("{label}")>{{{{ 7|add:7 }}}}'


def tag_payload(label: str) -> str:
    """A tag from a CSV, whose tags are split at , ; and |."""
    return f'"><img src=x onerror=xss("{label}")>'


def short_payload(label: str) -> str:
    """For columns of 40 characters or so (a phone number)."""
    return f"<svg onload=xss('{label}')>"


def fitting_payload(label: str, limit: int | None) -> str:
    """The longest of the payloads that fits a column of `limit` characters."""
    for maker in (payload, medium_payload, short_payload):
        text = maker(label)
        if limit is None or len(text) <= limit:
            return text
    raise AssertionError(f"No payload fits {limit} characters with the label {label!r}.")


def quoted_email(label: str) -> str:
    """A valid e-mail address (quoted local part) that is markup when shown raw."""
    return f"\"<svg/onload=xss('{label}')>\"@example.com"


@dataclass
class World:
    business: Business
    owner: User
    api_key: str
    location: Location
    survey: Survey
    question: Question
    stage: Stage
    touchpoint: Touchpoint
    aspect: Aspect
    customer: Customer
    imported_customer: Customer
    purchase_uuid: str
    interaction: Interaction
    response: Response
    case: FollowUpCase
    alert: Alert
    source: ReviewSource
    review: Review
    invitation: Invitation
    review_request: ReviewRequest
    customer_import: CustomerImport
    rescore: RescoreJob
    clv_fit_job: ClvFitJob
    # Field label -> the exact text sent, for the "stored as given" check.
    sent: dict[str, str] = field(default_factory=dict)
    # The e-mails sent while building (invitations, review requests, alerts).
    outbox: list = field(default_factory=list)


class Seeder:
    """Sends the world's text in through the app's own API and pages."""

    def __init__(self, business: Business, owner: User) -> None:
        self.business = business
        self.owner = owner
        _key, self.raw_key = api_key_create(
            business=business, name="security tests", scope=ApiKeyScope.WRITE, created_by=owner
        )
        self.api = Client(HTTP_AUTHORIZATION=f"Api-Key {self.raw_key}")
        self.web = Client()
        self.web.force_login(owner)
        self.sent: dict[str, str] = {}

    def text(self, label: str, limit: int | None = None, *, maker=None) -> str:
        """The hostile text for the field `label`, remembered as sent."""
        value = maker(label) if maker else fitting_payload(label, limit)
        self.sent[label] = value
        return value

    def post(self, path: str, body: dict, *, expect: int = 201) -> dict:
        reply = self.api.post(path, json.dumps(body), content_type="application/json")
        assert reply.status_code == expect, (path, reply.status_code, reply.content[:500])
        return reply.json()

    def patch(self, path: str, body: dict) -> dict:
        reply = self.api.patch(path, json.dumps(body), content_type="application/json")
        assert reply.status_code == 200, (path, reply.status_code, reply.content[:500])
        return reply.json()

    def form(self, path: str, data: dict) -> None:
        reply = self.web.post(path, data)
        errors = re.findall(
            r'class="(?:errorlist|error-text|error-summary)[^"]*"[^>]*>(.*?)</(?:ul|div)>',
            reply.content.decode(),
            re.S,
        )
        assert reply.status_code == 302 and not errors, (path, reply.status_code, errors)


def build_world(business: Business, owner: User, *, capture) -> World:
    """`capture` is pytest-django's django_capture_on_commit_callbacks: work enqueued on
    commit (scoring, cases, alerts, e-mails) runs as it would after a real commit."""
    seed = Seeder(business, owner)
    with capture(execute=True):
        location = location_create(business=business, name=seed.text("location.name", 200))
        stage, touchpoint = journey_part(seed)
        aspect = Aspect.objects.get(uuid=aspect_part(seed)["uuid"])
        survey, question = survey_part(seed, touchpoint)
        customer = customer_part(seed)
        purchase = purchase_part(seed, customer)
        interaction = interaction_part(seed, customer, location, touchpoint)
        response = answers_part(seed, survey, question, location)
        customer_import = import_part(seed)
    # Enqueued on commit above: cases, alerts and the import's rows exist from here.
    imported = Customer.objects.get(business=business, email="imported@example.com")
    with capture(execute=True):
        case = case_part(seed, response)
        source, review = review_part(seed, location)
        invitation, review_request = email_part(seed, survey, customer, source)
        rescore = RescoreJob.objects.get(
            uuid=seed.post("/api/v1/rescores/", {}, expect=202)["uuid"]
        )
        clv_fit_job = ClvFitJob.objects.get(
            uuid=seed.post("/api/v1/clv-fit-jobs/", {}, expect=202)["uuid"]
        )
        team_part(seed)
    return World(
        business=business, owner=owner, api_key=seed.raw_key, location=location, survey=survey,
        question=question, stage=stage, touchpoint=touchpoint, aspect=aspect, customer=customer,
        imported_customer=imported, purchase_uuid=first_uuid(purchase), interaction=interaction,
        response=response, case=case, alert=Alert.objects.filter(business=business).latest("pk"),
        source=source, review=review, invitation=invitation, review_request=review_request,
        customer_import=customer_import, rescore=rescore, clv_fit_job=clv_fit_job, sent=seed.sent,
        outbox=list(mail.outbox),
    )  # fmt: skip


def first_uuid(reply: dict | list) -> str:
    items = reply if isinstance(reply, list) else reply.get("purchases") or reply.get("results")
    return items[0]["uuid"]


def journey_part(seed: Seeder) -> tuple[Stage, Touchpoint]:
    stage = seed.post("/api/v1/journey/stages/", {"name": seed.text("stage.name", 80)})
    touchpoint = seed.post(
        "/api/v1/journey/touchpoints/",
        {"stage": stage["uuid"], "name": seed.text("touchpoint.name", 80)},
    )
    return Stage.objects.get(uuid=stage["uuid"]), Touchpoint.objects.get(uuid=touchpoint["uuid"])


def aspect_part(seed: Seeder) -> dict:
    seed.patch(
        "/api/v1/insight-settings/", {"urgent_terms": ["lawyer", seed.text("settings.term", 80)]}
    )
    return seed.post(
        "/api/v1/aspects/",
        {"name": seed.text("aspect.name", 80), "terms": ["coffee", "barista", "service"]},
    )


def survey_part(seed: Seeder, touchpoint: Touchpoint) -> tuple[Survey, Question]:
    created = seed.post(
        "/api/v1/surveys/",
        {"name": seed.text("survey.name", 200), "intro": seed.text("survey.intro"),
         "privacy_note": seed.text("survey.privacy_note"), "touchpoint": str(touchpoint.uuid)},
    )  # fmt: skip
    path = f"/api/v1/surveys/{created['uuid']}/questions/"
    seed.post(path, {"kind": "nps", "prompt": seed.text("question.prompt", 500)})
    choices = [seed.text("question.choice", 200), "Fine"]
    seed.post(path, {"kind": "single_choice", "prompt": "Which?", "choices": choices,
                     "required": False})  # fmt: skip
    seed.post(path, {"kind": "multiple_choice", "prompt": "What?", "choices": choices,
                     "required": False})  # fmt: skip
    text = seed.post(path, {"kind": "text", "prompt": "Why?", "required": False})
    seed.post(f"/api/v1/surveys/{created['uuid']}/trust-items/", {}, expect=200)
    return Survey.objects.get(uuid=created["uuid"]), Question.objects.get(uuid=text["uuid"])


def customer_part(seed: Seeder) -> Customer:
    created = seed.post(
        "/api/v1/customers/",
        {
            "name": seed.text("customer.name", 200),
            "email": seed.text("customer.email", maker=quoted_email),
            "phone": seed.text("customer.phone", 40),
            "consent_to_contact": True,
            "tags": [seed.text("customer.tag", 100), "regular"],
        },
    )
    return Customer.objects.get(uuid=created["uuid"])


def purchase_part(seed: Seeder, customer: Customer) -> dict:
    bought = {
        "customer": str(customer.uuid),
        "purchased_at": "2024-05-01T10:00:00Z",
        "amount": "12.50",
        "order_reference": seed.text("purchase.order_reference", 100),
    }
    return seed.post("/api/v1/purchases/", {"purchases": [bought]})


def interaction_part(seed, customer, location, touchpoint) -> Interaction:
    logged = seed.post(
        "/api/v1/interactions/",
        {"customer": str(customer.uuid), "location": str(location.uuid), "channel": "phone",
         "touchpoint": str(touchpoint.uuid), "note": ANGRY + seed.text("interaction.note"),
         "outcome": seed.text("interaction.outcome", 200), "follow_up_needed": True},
    )  # fmt: skip
    seed.post(
        "/api/v1/interactions/",
        {"channel": "in_person", "note": "Asked about oat milk.",
         "new_customer": {"name": seed.text("interaction.new_customer", 200)}},
    )  # fmt: skip
    return Interaction.objects.get(uuid=logged["uuid"])


def answers_part(seed: Seeder, survey: Survey, question: Question, location) -> Response:
    """Two customers: an angry detractor on the new survey, a comment on the default one."""
    questions = {q.kind: q for q in survey.questions.all()}
    choice = seed.sent["question.choice"]
    trust = {str(q.uuid): 2 for q in survey.questions.filter(kind="trust")}
    answers = {
        **trust,
        str(questions["nps"].uuid): 2,
        str(questions["single_choice"].uuid): choice,
        str(questions["multiple_choice"].uuid): [choice, "Fine"],
        str(question.uuid): ANGRY + "lawyer " + seed.text("answer.comment"),
    }
    body = {"answers": answers, "contact_requested": True, "location": str(location.uuid),
            "contact_email": seed.text("answer.contact_email", maker=quoted_email)}  # fmt: skip
    reply = Client().post(
        f"/api/v1/public/surveys/{survey.uuid}/responses/", json.dumps(body),
        content_type="application/json",
    )  # fmt: skip
    assert reply.status_code == 201, reply.content
    default = Survey.objects.get(business=seed.business, is_default=True)
    nps, reason = default.questions.order_by("position")
    comment = {str(nps.uuid): 3, str(reason.uuid): ANGRY + seed.text("answer.default_comment")}
    again = Client().post(
        f"/api/v1/public/surveys/{default.uuid}/responses/",
        json.dumps({"answers": comment}), content_type="application/json",
    )  # fmt: skip
    assert again.status_code == 201, again.content
    return Response.objects.get(uuid=reply.json()["uuid"])


def case_part(seed: Seeder, response: Response) -> FollowUpCase:
    case = FollowUpCase.objects.get(response=response)
    seed.post(f"/api/v1/cases/{case.uuid}/notes/", {"text": seed.text("case.note")})
    return case


def review_part(seed: Seeder, location: Location) -> tuple[ReviewSource, Review]:
    created = seed.post(
        "/api/v1/review-sources/",
        {"provider": "manual", "name": seed.text("source.name", 120),
         "location": str(location.uuid), "review_page_url": "https://reviews.example/cafe"},
    )  # fmt: skip
    source = ReviewSource.objects.get(uuid=created["uuid"])
    seed.form(
        "/reviews/sources/add-review/",
        {"source": str(source.uuid), "author": seed.text("review.author", 200), "rating": "1",
         "date": (date.today() - timedelta(days=1)).isoformat(),
         "title": seed.text("review.title", 300), "text": ANGRY + seed.text("review.text"),
         "url": "https://reviews.example/cafe/1"},
    )  # fmt: skip
    review = Review.objects.get(source=source)
    seed.form(
        f"/reviews/{review.uuid}/reply/", {"action": "save", "text": seed.text("review.draft")}
    )
    csv_review(seed, source)
    return source, review


def csv_review(seed: Seeder, source: ReviewSource) -> None:
    """A review imported from CSV (a javascript: link is refused, see test_stored_xss)."""
    day = (date.today() - timedelta(days=2)).isoformat()
    cells = [seed.text("csv_review.author", 200), "2", day, "Imported",
             seed.text("csv_review.text"), "https://reviews.example/cafe/2"]  # fmt: skip
    upload = csv_file("reviews.csv", ["author", "rating", "date", "title", "text", "url"], cells)
    seed.form("/reviews/sources/import/", {"source": str(source.uuid), "file": upload})


def email_part(seed, survey, customer, source) -> tuple[Invitation, ReviewRequest]:
    seed.post(
        "/api/v1/invitations/", {"survey": str(survey.uuid), "customers": [str(customer.uuid)]}
    )
    seed.post("/api/v1/review-requests/", {"source": str(source.uuid), "audience": "everyone"})
    invitation = Invitation.objects.get(customer=customer, survey=survey)
    return invitation, ReviewRequest.objects.get(customer=customer, source=source)


def team_part(seed: Seeder) -> None:
    """A staff member, and an open invitation to join the team."""
    membership_add(business=seed.business, user=UserFactory(email="sam@a.example"), role="staff")
    reply = seed.web.post(
        "/api/v1/team/", json.dumps({"email": "lee@a.example", "role": "staff"}),
        content_type="application/json",
    )  # fmt: skip
    assert reply.status_code == 201, reply.content


def csv_file(name: str, header: list[str], cells: list[str]) -> io.BytesIO:
    text = io.StringIO()
    csv.writer(text).writerows([header, cells])
    upload = io.BytesIO(text.getvalue().encode())
    upload.name = name
    return upload


def import_part(seed: Seeder) -> CustomerImport:
    """Customers and purchases from a till export whose cells are all hostile."""
    header = ["name", "email", "phone", "tags", "date", "amount", "order", "store"]
    cells = [seed.text("import.name", 200), "imported@example.com",
             seed.text("import.phone", 40), seed.text("import.tag", maker=tag_payload),
             "2024-05-02", "9.90", seed.text("import.order", 100), "Nowhere"]  # fmt: skip
    upload = csv_file(seed.text("import.file_name", 100) + ".csv", header, cells)
    reply = seed.api.post("/api/v1/customer-imports/", {"file": upload})
    assert reply.status_code == 201, reply.content
    uuid = reply.json()["uuid"]
    mapping = {"name": "name", "email": "email", "phone": "phone", "tags": "tags",
               "purchased_at": "date", "amount": "amount", "order_reference": "order"}  # fmt: skip
    seed.post(f"/api/v1/customer-imports/{uuid}/start/", {"mapping": mapping}, expect=202)
    return CustomerImport.objects.get(uuid=uuid)


def stored_texts(world: World) -> dict[str, str]:
    """Label -> what the database holds for it, for the "stored as given" check."""
    for row in (world.customer, world.review, world.imported_customer, world.interaction):
        row.refresh_from_db()
    customer, review, imported = world.customer, world.review, world.imported_customer
    csv_review = Review.objects.filter(source=world.source).exclude(pk=review.pk).get()
    survey = world.survey
    return {
        "location.name": world.location.name,
        "stage.name": world.stage.name,
        "touchpoint.name": world.touchpoint.name,
        "aspect.name": world.aspect.name,
        "survey.name": survey.name,
        "survey.intro": survey.intro,
        "survey.privacy_note": survey.privacy_note,
        "question.prompt": survey.questions.get(kind="nps").prompt,
        "question.choice": survey.questions.get(kind="single_choice").choices[0],
        "customer.name": customer.name,
        "customer.email": customer.email,
        "customer.phone": customer.phone,
        "customer.tag": sorted(customer.tags)[0],
        "interaction.note": world.interaction.note.removeprefix(ANGRY),
        "interaction.outcome": world.interaction.outcome,
        "answer.comment": Answer.objects.get(question=world.question).text.split("lawyer ", 1)[1],
        "answer.contact_email": world.response.contact_email,
        "case.note": CaseNote.objects.get(case=world.case).text,
        "source.name": world.source.name,
        "review.author": review.author_name,
        "review.title": review.title,
        "review.text": review.text.removeprefix(ANGRY),
        "review.draft": review.reply_draft,
        "csv_review.author": csv_review.author_name,
        "csv_review.text": csv_review.text,
        "import.name": imported.name,
        "import.tag": imported.tags[0],
    }
