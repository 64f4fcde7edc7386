"""The isolation world: two businesses, each holding one of every kind of object.

Business A (alice owner, mia manager, bob staff) is where the walkers act; business B
(charlie owner, dave staff) is the one whose objects they aim at. Every text B holds
carries B's marker, so a list that leaks one of B's rows is caught by its words as well
as by its uuid. (Owned by the isolation tests, test_isolation_*.py.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone

from accounts.branding import business_look_update
from accounts.models import (
    ApiKey,
    Business,
    Location,
    Membership,
    Role,
    TeamInvitation,
    User,
)
from accounts.services import api_key_create, location_create, membership_add
from accounts.team import team_invite
from customers.imports import import_upload
from customers.models import Customer, CustomerImport, Purchase
from customers.services import PurchaseInput, customer_create, purchase_record
from cxplatform.demo.logo import solid_png
from feedback.builder.services import QuestionInput, question_add, survey_create
from feedback.cases.services import case_note_add
from feedback.channels.invitations import invitations_create
from feedback.interactions.services import interaction_log
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
from feedback.services import response_submit
from journeys.models import Journey, Stage, Touchpoint
from metrics.models import ClvFitJob
from reputation.models import Review, ReviewRequest, ReviewSource
from reputation.review_requests import new_token
from reputation.sources.services import source_create
from tests.factories import UserFactory
from tests.reputation.factories import ReviewFactory
from textanalysis.models import Alert, AlertReason, Aspect, RescoreJob
from textanalysis.selectors import aspects_for_business

MARKER_A = "zqxalpha"
# Distinctive enough that it appears on a page of A only if one of B's rows leaked there.
MARKER_B = "zqxbravo"
# A word in each side's customer (name and tag) that is not the marker, for searches and
# tag filters: a page may echo the word searched for, but only a leaked row shows a marker.
SEARCH_WORDS = {MARKER_A: "applethorpe", MARKER_B: "quillfeather"}


@dataclass
class Side:
    """One business and one object of every kind it can hold, found by model too."""

    business: Business
    owner: User
    marker: str
    search_word: str
    location: Location
    customer: Customer
    purchase: Purchase
    survey: Survey
    question: Question
    response: Response
    answer: Answer
    case: FollowUpCase
    case_note: CaseNote
    interaction: Interaction
    invitation: Invitation
    journey: Journey
    stage: Stage
    touchpoint: Touchpoint
    aspect: Aspect
    alert: Alert
    rescore_job: RescoreJob
    clv_fit_job: ClvFitJob
    review_source: ReviewSource
    review: Review
    review_request: ReviewRequest
    customer_import: CustomerImport
    api_key: ApiKey
    raw_api_key: str
    owner_membership: Membership
    staff: User
    staff_membership: Membership
    team_invitation: TeamInvitation
    team_invitation_token: str
    extra: dict[type[models.Model], models.Model] = field(default_factory=dict)

    def of_model(self, model: type[models.Model]) -> models.Model | None:
        """This side's object of `model` (None when the world holds none)."""
        for value in [*vars(self).values(), *self.extra.values()]:
            if type(value) is model:
                return value
        return None

    def uuids(self) -> set[str]:
        """Every uuid of every row this business owns, read from the database, so rows
        made by services along the way (audit entries, default surveys) count too."""
        found: set[str] = {str(self.business.uuid)}
        for model in business_owned_models():
            rows = model._default_manager.filter(business=self.business)
            found.update(str(value) for value in rows.values_list("uuid", flat=True))
        return found


def business_owned_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if {"business", "uuid"} <= {f.name for f in model._meta.get_fields()}
        and model._meta.get_field("business").is_relation
    ]


def side_build(*, business: Business, owner: User, staff: User, marker: str) -> Side:
    """Every kind of object for one business, made through the services where one exists.
    The follow-up case is the staff member's, so staff may work it in the role walk."""
    location = location_create(business=business, name=f"{marker} shop", address=f"1 {marker} St")
    word = SEARCH_WORDS[marker]
    customer = customer_create(
        business=business,
        name=f"{marker} Customer {word.title()}",
        email=f"{marker}@customers.example",
        consent_to_contact=True,
        tags=[word],
    )
    purchase, _ = purchase_record(
        business=business,
        data=PurchaseInput(
            customer=customer,
            purchased_at=timezone.now() - timedelta(days=3),
            amount=Decimal("12.50"),
            order_reference=f"{marker}-order-1",
            location=location,
        ),
    )
    journey = Journey.objects.get(business=business)
    stage = Stage.objects.filter(journey=journey).order_by("position").first()
    touchpoint = Touchpoint.objects.filter(stage=stage).order_by("position").first()
    survey = survey_create(business=business, name=f"{marker} survey", template_key="")
    default = Survey.objects.get(business=business, is_default=True)
    response = detractor_response(default, marker=marker, location=location)
    answer = Answer.objects.get(response=response, question__kind="text")
    case = FollowUpCase.objects.get(response=response)
    FollowUpCase.objects.filter(pk=case.pk).update(assignee=staff)
    interaction = interaction_log(
        business=business, staff=owner, channel="phone", note=f"{marker} called about a refund",
        customer=customer, location=location, touchpoint=touchpoint,
    )  # fmt: skip
    review_source = source_create(
        business=business,
        provider="manual",
        values={"name": f"{marker} reviews", "review_page_url": f"https://{marker}.example/r"},
    )
    review = ReviewFactory(
        business=business, source=review_source, location=location, rating=2,
        author_name=f"{marker} Reviewer", text=f"{marker} review: cold coffee",
    )  # fmt: skip
    api_key, raw_api_key = api_key_create(
        business=business, name=f"{marker} key", scope="write", created_by=owner
    )
    owner_membership = Membership.objects.get(business=business, user=owner)
    # A logo, so its public route (and its URL's hash) can be walked.
    business_look_update(business=business, actor=owner, logo=solid_png(4, 4, (200, 30, 30)))
    team_invitation, team_invitation_token = team_invite(
        actor=owner_membership, email=f"{marker}-invitee@team.example", role=Role.STAFF
    )
    return Side(
        business=business,
        owner=owner,
        marker=marker,
        search_word=word,
        location=location,
        customer=customer,
        purchase=purchase,
        survey=survey,
        question=marked_questions(survey, marker=marker),
        response=response,
        answer=answer,
        case=case,
        case_note=case_note_add(case=case, author=owner, text=f"{marker} note"),
        interaction=interaction,
        invitation=invitations_create(survey=default, customers=[customer]).invitations[0],
        journey=journey,
        stage=stage,
        touchpoint=touchpoint,
        aspect=marked_aspect(business, marker=marker),
        alert=Alert.objects.create(
            business=business,
            source=Answer._meta.label,
            source_id=answer.pk,
            reason=AlertReason.NEGATIVE,
            score=-0.8,
            excerpt=f"{marker} alert excerpt",
        ),
        rescore_job=RescoreJob.objects.create(business=business, requested_by=owner),
        clv_fit_job=ClvFitJob.objects.create(business=business, requested_by=owner),
        review_source=review_source,
        review=review,
        review_request=ReviewRequest.objects.create(
            business=business, customer=customer, source=review_source, token=new_token()
        ),
        customer_import=import_upload(
            business=business,
            user=owner,
            name=f"{marker}.csv",
            content=f"email,date,amount\n{marker}-import@x.example,2024-01-02,3.50\n".encode(),
        ),
        api_key=api_key,
        raw_api_key=raw_api_key,
        owner_membership=owner_membership,
        staff=staff,
        staff_membership=Membership.objects.get(business=business, user=staff),
        team_invitation=team_invitation,
        team_invitation_token=team_invitation_token,
    )


def detractor_response(survey: Survey, *, marker: str, location: Location) -> Response:
    """A score of 2 with a comment: a response with answers that also opens a case."""
    nps, reason = survey.questions.order_by("position")
    raw = {str(nps.uuid): 2, str(reason.uuid): f"{marker} comment: the coffee was cold"}
    return response_submit(survey=survey, raw_answers=raw, location=location)


def marked_questions(survey: Survey, *, marker: str) -> Question:
    """A score, then a text question after it (which may be made to depend on the score)."""
    question_add(survey=survey, data=QuestionInput(kind="nps", prompt=f"{marker} score?"))
    return question_add(survey=survey, data=QuestionInput(kind="text", prompt=f"{marker} why?"))


def marked_aspect(business: Business, *, marker: str) -> Aspect:
    aspect = aspects_for_business(business=business).first()
    aspect.name = f"{marker} aspect"
    aspect.save(update_fields=["name"])
    return aspect


@dataclass
class World:
    a: Side
    b: Side
    manager: User
    # A's read-only key, for the scope walk.
    read_key: str


def world_build(*, alice, mia, bob, charlie, business_a, business_b) -> World:
    _, read_key = api_key_create(
        business=business_a, name=f"{MARKER_A} reader", scope="read", created_by=alice
    )
    dave = UserFactory(email="dave@b.example", first_name="Dave")
    membership_add(business=business_b, user=dave, role=Role.STAFF)
    return World(
        a=side_build(business=business_a, owner=alice, staff=bob, marker=MARKER_A),
        b=side_build(business=business_b, owner=charlie, staff=dave, marker=MARKER_B),
        manager=mia,
        read_key=read_key,
    )


@pytest.fixture(name="world")
def world_fixture(alice, mia, bob, charlie, business_a, business_b) -> World:
    """Imported by the isolation tests (a fixture here, not in a conftest other files share)."""
    return world_build(
        alice=alice, mia=mia, bob=bob, charlie=charlie, business_a=business_a, business_b=business_b
    )
