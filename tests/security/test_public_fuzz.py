"""The public survey surface under attack: anything anyone can send, never a 500.

Property tests (hypothesis) send the public JSON API, the survey form (link, embed and
e-mail invitation) and the token pages any body and any headers, shaped enough like a
real customer's that many are accepted. After every accepted answer, the owner's pages
that show it must still render: a stored row never breaks a page later. The rate
limits are turned off here so the generator reaches the code behind them;
test_the_anti_abuse_limits_still_hold shows they hold with the real settings.

Then: a GET (a mail scanner following a link) changes nothing, and a POST from a site
the business did not list is refused while its own sites, its own pages and clients
that send no Origin behave as designed.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client, RequestFactory, override_settings
from django_ratelimit.core import get_usage
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Location
from accounts.services import location_create
from customers.models import Customer
from customers.services import customer_create
from feedback.antiabuse import STARTED_FIELD, form_started_token
from feedback.builder.services import QuestionInput, question_add, survey_create
from feedback.channels.invitations import invitations_create
from feedback.models import Answer, FollowUpCase, Invitation, Question, Response, Survey
from reputation.models import ReviewRequest
from reputation.review_requests import review_requests_create
from reputation.sources.services import source_create
from textanalysis.models import Alert

from .public_inputs import (
    ALLOWED_ORIGIN,
    HONEST,
    OWN_ORIGIN,
    RAW_BODIES,
    TEXT,
    customer_form,
    customer_json,
    form_bodies,
    json_bodies,
    lies,
    send,
)

pytestmark = pytest.mark.django_db

NO_LIMITS = {"PUBLIC_RATE_PER_IP": "", "PUBLIC_RATE_PER_SURVEY": ""}
# The business is built once per test and its rows pile up across examples on purpose:
# every page must render with all the accepted rows at once.
FUZZ = settings(
    max_examples=150, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)  # fmt: skip
FOREIGN_ORIGINS = {"https://evil.example", "null", "http://testserver:1"}
API_STATUSES = {201, 400, 403, 404, 406, 409, 410, 413, 415}
FORM_STATUSES = {302, 400, 403, 404, 409, 410, 413}


@dataclass
class Public:
    """Business A's public surface: a survey asking every kind of question, with
    follow-ups, one closed survey, e-mail invitations and review requests."""

    survey: Survey
    questions: list[Question]
    closed: Survey
    location: Location
    invitations: list[Invitation]
    review_requests: list[ReviewRequest]
    customers: list[Customer]
    owner: Client
    tally: Counter = field(default_factory=Counter)


def add(survey: Survey, kind: str, **details) -> Question:
    return question_add(survey=survey, data=QuestionInput(kind=kind, prompt=kind, **details))


def every_kind_survey(business) -> Survey:
    survey = survey_create(business=business, name="Everything")
    survey.embed_origins = [ALLOWED_ORIGIN]
    survey.save()
    nps = add(survey, "nps")
    add(survey, "text", required=False, show_if_question=nps, show_if_max=6)
    for kind in ("csat", "ces", "rating"):
        add(survey, kind, required=False)
    pick = add(survey, "single_choice", choices=["Coffee", "Cake", "Other"], required=False)
    add(survey, "text", required=False, show_if_question=pick, show_if_choices=["Other"])
    add(survey, "multiple_choice", choices=["Fast", "Kind", "Clean"], required=False)
    add(survey, "trust", pillar="integrity", required=False)
    add(survey, "text", required=False)
    return survey


@pytest.fixture
def public(business_a, alice, django_capture_on_commit_callbacks) -> Public:
    survey = every_kind_survey(business_a)
    closed = survey_create(business=business_a, name="Closed", status="closed")
    customers = [
        customer_create(business=business_a, name=f"C{n}", email=f"c{n}@example.com",
                        consent_to_contact=True)
        for n in range(6)
    ]  # fmt: skip
    source = source_create(
        business=business_a, provider="manual",
        values={"name": "Reviews", "review_page_url": "https://reviews.example/alice"},
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        invitations = invitations_create(survey=survey, customers=customers).invitations
        review_requests_create(business=business_a, source=source, audience="everyone", days=None)
    owner = Client()
    owner.force_login(alice)
    return Public(
        survey=survey, questions=list(survey.questions.all()), closed=closed,
        location=location_create(business=business_a, name="High Street"),
        invitations=invitations, review_requests=list(ReviewRequest.objects.all()),
        customers=customers, owner=owner,
    )  # fmt: skip


def answer_rows() -> tuple[int, int]:
    return Response.objects.count(), Answer.objects.count()


# The owner's pages that list rows: drawn after every fifth accepted answer and at the
# end. Rows pile up and each list shows at least the ten newest (the dashboard's latest
# comments; cases, alerts and the API show 25 or 50), so every row meets every list.
LIST_PAGES = ("/dashboard/", "/journeys/", "/cases/", "/insights/alerts/",
              "/api/v1/responses/", "/api/v1/cases/", "/api/v1/alerts/")  # fmt: skip
LIST_EVERY = 5


def row_pages(response: Response) -> list[str]:
    """The owner's pages of this one response: itself, its case, alerts and customer."""
    pages = [f"/api/v1/responses/{response.uuid}/"]
    pages += [f"/cases/{case.uuid}/" for case in FollowUpCase.objects.filter(response=response)]
    answers = Answer.objects.filter(response=response).values_list("pk", flat=True)
    alerts = Alert.objects.filter(source="feedback.Answer", source_id__in=list(answers))
    pages += [f"/insights/alerts/{alert.uuid}/" for alert in alerts]
    if response.customer_id:
        pages.append(f"/customers/{response.customer.uuid}/")
    return pages


def assert_pages_render(public: Public, response: Response | None) -> None:
    """After an accepted answer (None: at the end of the run)."""
    if response is not None:
        public.tally["accepted"] += 1
    pages = row_pages(response) if response is not None else []
    if response is None or public.tally["accepted"] % LIST_EVERY == 0:
        pages += LIST_PAGES
    for page in pages:
        reply = public.owner.get(page)
        assert reply.status_code == 200, (page, reply.status_code)


def newest_response(before: int) -> Response | None:
    return Response.objects.order_by("-pk").first() if Response.objects.count() > before else None


# --- The public JSON API ---------------------------------------------------------------


def api_target(public: Public, data) -> tuple[str, bool]:
    """A path of the public API, and whether it takes answers at all."""
    invitation = data.draw(st.sampled_from(public.invitations))
    token = quote(data.draw(st.one_of(st.just(invitation.token), TEXT)), safe="")
    choices = [
        *[(f"/api/v1/public/surveys/{public.survey.uuid}/responses/", True)] * 5,
        (f"/api/v1/public/invitations/{invitation.token}/responses/", True),
        (f"/api/v1/public/invitations/{token}/responses/", False),
        (f"/api/v1/public/surveys/{public.closed.uuid}/responses/", False),
        (f"/api/v1/public/surveys/{uuid.uuid4()}/responses/", False),
    ]
    return data.draw(st.sampled_from(choices))


def test_the_public_api_takes_anything_without_failing(public, django_capture_on_commit_callbacks):
    @FUZZ
    @given(data=st.data())
    def example(data):
        location = str(public.location.uuid)
        if data.draw(st.booleans(), label="a customer's answer"):
            path, open_for_answers = f"/api/v1/public/surveys/{public.survey.uuid}/responses/", True
            body, true_type = data.draw(customer_json(public.questions, location))
            told = data.draw(HONEST)
        else:
            path, open_for_answers = api_target(public, data)
            body, true_type = data.draw(json_bodies(public.questions, location))
            told = data.draw(lies())
        before = answer_rows()
        with django_capture_on_commit_callbacks(execute=True):
            reply = send(Client(), "POST", path, body, true_type, told)
        public.tally["tried"] += 1
        public.tally[reply.status_code] += 1
        assert reply.status_code in API_STATUSES, (reply.status_code, reply.content[:300])
        if reply.status_code != 201:
            assert answer_rows() == before, "a refused answer left rows behind"
        if reply["Content-Type"] == "application/json" and reply.status_code != 201:
            assert set(reply.json()) == {"detail", "errors"}, reply.content[:300]
        # Only an unreadable Accept header (406) or a body declared too large (413) are
        # answered before the origin is looked at.
        if (
            told.origin in FOREIGN_ORIGINS
            and open_for_answers
            and reply.status_code not in {406, 413}
        ):
            assert reply.status_code == 403, "a site the business did not list was let in"
            assert "origin" in reply.json()["errors"]
        if reply.status_code == 201:
            assert_pages_render(public, Response.objects.get(uuid=reply.json()["uuid"]))

    with override_settings(**NO_LIMITS):
        example()
    assert_pages_render(public, None)
    assert_many_accepted("public API", public.tally)


# --- The survey form: link, embed, e-mail invitation -----------------------------------


def form_target(public: Public, data) -> tuple[str, bool]:
    """A page with the survey form, and whether it is the embed (which checks Origin)."""
    invitation = data.draw(st.sampled_from(public.invitations))
    channel = quote(data.draw(st.sampled_from(["", "qr", "email", "embed", "x" * 50])))
    choices = [
        *[(f"/s/{public.survey.uuid}/?ch={channel}", False)] * 3,
        *[(f"/s/{public.survey.uuid}/embed/", True)] * 2,
        (f"/i/{invitation.token}/", False),
        (f"/s/{public.closed.uuid}/", False),
    ]
    return data.draw(st.sampled_from(choices))


# Django's test client skips the CSRF check (as Django's own tests do) so every example
# reaches the form's code; test_the_survey_form_refuses_posts_from_other_sites shows the
# check holds.
def test_the_survey_form_takes_anything_without_failing(public, django_capture_on_commit_callbacks):
    started = form_started_token(at=time.time() - 30)
    stale = form_started_token(at=time.time() - 3 * 24 * 3600)

    @FUZZ
    @given(data=st.data())
    def example(data):
        path, embedded = form_target(public, data)
        if data.draw(st.booleans(), label="a person's form"):
            body, true_type = data.draw(customer_form(public.questions, started))
            told = data.draw(HONEST)
        else:
            body, true_type = data.draw(form_bodies(public.questions, started, stale))
            told = data.draw(lies())
        before = answer_rows()
        with django_capture_on_commit_callbacks(execute=True):
            reply = send(Client(), "POST", path, body, true_type, told)
        public.tally["tried"] += 1
        assert reply.status_code in FORM_STATUSES, (reply.status_code, reply.content[:300])
        if embedded and told.origin not in {OWN_ORIGIN, ALLOWED_ORIGIN}:
            assert reply.status_code == 403, "the embed took a post from another site"
        created = newest_response(before[0])
        if created is None:
            assert answer_rows() == before, "a refused answer left rows behind"
            return
        assert reply.status_code == 302 and "thanks" in reply["Location"]
        assert_pages_render(public, created)

    with override_settings(**NO_LIMITS):
        example()
    assert_pages_render(public, None)
    assert_many_accepted("survey form", public.tally)


def assert_many_accepted(name: str, tally: Counter) -> None:
    """The generator must reach the code that stores answers, not only the refusals."""
    print(f"{name}: {dict(tally)}")
    assert tally["accepted"] >= tally["tried"] // 10, (name, dict(tally))


# --- Token pages ---------------------------------------------------------------------

TOKEN_PAGES = (
    "/i/{token}/",
    "/u/{token}/",
    "/reviews/r/{token}",
    "/reviews/r/{token}/unsubscribe/",
    "/api/v1/public/invitations/{token}/responses/",
)


def tokens(public: Public):
    real = [i.token for i in public.invitations] + [r.token for r in public.review_requests]
    made_up = st.one_of(TEXT, st.text(min_size=1, max_size=64), st.just("a" * 5000))
    return st.one_of(st.sampled_from(real), made_up.filter(lambda t: t.strip("/.")))


def watched_state() -> tuple:
    """What a link must not change: answers, invitations answered, unsubscribes."""
    return (
        *answer_rows(),
        Invitation.objects.exclude(answered_at=None).count(),
        Customer.objects.exclude(email_opt_out_at=None).count(),
        Customer.objects.filter(consent_to_contact=True).count(),
    )


def test_token_pages_take_anything_without_failing(public):
    @settings(FUZZ, max_examples=150)
    @given(data=st.data())
    def example(data):
        token = quote(data.draw(tokens(public)), safe="")
        path = data.draw(st.sampled_from(TOKEN_PAGES)).format(token=token)
        method = data.draw(st.sampled_from(["GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE"]))
        body = data.draw(st.one_of(st.just(b""), RAW_BODIES))
        told = data.draw(lies())
        before = watched_state()
        reply = send(Client(), method, path, body, "application/json", told)
        public.tally["tried"] += 1
        public.tally[reply.status_code] += 1
        assert reply.status_code < 500, (method, path, reply.status_code)
        if method in {"GET", "HEAD", "OPTIONS"}:
            assert watched_state() == before, f"{method} {path} changed something"

    with override_settings(**NO_LIMITS):
        example()
    print(f"token pages: {dict(public.tally)}")


@pytest.mark.parametrize(
    "url",
    ["/i/a%00b/", "/u/%00/", "/reviews/r/%00", "/reviews/r/%00/unsubscribe/",
     "/api/v1/public/invitations/%00/responses/", "/customers/?q=%00",
     "/interactions/customers.json?q=ab%00", "/api/v1/customers/?q=%00"],
)  # fmt: skip
def test_a_nul_in_a_link_or_a_search_is_a_clean_answer(public, url):
    """PostgreSQL refuses a NUL anywhere in a query: a token or a search holding one
    must be an unknown page, or a search refused with 400 naming `q`, not a 500 (SQLite
    never minded)."""
    reply = public.owner.get(url)
    if "q=" in url:
        assert reply.status_code == 400, reply.status_code
        assert "q" in reply.content.decode()
    else:
        assert reply.status_code in {404, 405}, reply.status_code


# --- The limits the fuzz tests turn off still hold ------------------------------------


def form_post(client: Client, survey: Survey, *, seconds_ago: float = 30, **extra):
    nps = survey.questions.get(kind="nps")
    data = {f"q-{nps.uuid}": "9", STARTED_FIELD: form_started_token(at=time.time() - seconds_ago)}
    return client.post(f"/s/{survey.uuid}/", data, **extra)


def start_in_a_fresh_window() -> None:
    """The limits count in fixed one-minute windows: wait (a few seconds at most) when
    the current one ends too soon for 31 requests to fit in it."""
    request = RequestFactory().post("/", REMOTE_ADDR="127.0.0.1")
    usage = get_usage(request, group="survey-ip", key=lambda _group, r: r.META["REMOTE_ADDR"],
                      rate=django_settings.PUBLIC_RATE_PER_IP, increment=False)  # fmt: skip
    if usage["time_left"] < 10:
        time.sleep(usage["time_left"] + 1)


def test_the_anti_abuse_limits_still_hold(survey_a, settings):
    """With the shipped settings: 30 answers a minute from one address, then 429 with
    Retry-After, on the form and the API alike; a form sent back faster than a person
    could fill it is asked again; the honeypot keeps nothing."""
    assert (settings.PUBLIC_RATE_PER_IP, settings.PUBLIC_FORM_MIN_SECONDS) == ("30/m", 2)
    start_in_a_fresh_window()
    nps = survey_a.questions.get(kind="nps")
    api = f"/api/v1/public/surveys/{survey_a.uuid}/responses/"
    body = json.dumps({"answers": {str(nps.uuid): 9}})
    codes = [Client().post(api, body, content_type="application/json").status_code
             for _ in range(30)]  # fmt: skip
    assert codes == [201] * 30
    refused_api = Client().post(api, body, content_type="application/json")
    refused_form = form_post(Client(), survey_a)
    assert (refused_api.status_code, refused_form.status_code) == (429, 429)
    assert int(refused_api["Retry-After"]) >= 1 and int(refused_form["Retry-After"]) >= 1
    assert Response.objects.count() == 30
    other_address = {"REMOTE_ADDR": "203.0.113.9"}
    assert form_post(Client(), survey_a, seconds_ago=0.5, **other_address).status_code == 400
    bot = {"website": "http://spam.example", f"q-{nps.uuid}": "9"}
    assert Client().post(f"/s/{survey_a.uuid}/", bot, **other_address).status_code == 302
    assert Response.objects.count() == 30


# --- A GET never changes anything ----------------------------------------------------


def links_in(message) -> list[str]:
    """Every link of an e-mail, text and html parts, as paths on this site."""
    bodies = [message.body] + [content for content, _type in message.alternatives]
    found = {link for body in bodies for link in re.findall(r"https?://[^\s\"'<>]+", body)}
    return sorted(re.sub(r"^https?://[^/]+", "", link) for link in found)


def public_urls(public: Public) -> list[str]:
    survey, invitation = public.survey, public.invitations[0]
    request = public.review_requests[0]
    return [
        f"/s/{survey.uuid}/", f"/s/{survey.uuid}/?ch=qr", f"/s/{survey.uuid}/thanks/",
        f"/s/{survey.uuid}/embed/", f"/s/{survey.uuid}/embed/thanks/",
        f"/i/{invitation.token}/", f"/u/{invitation.token}/",
        f"/reviews/r/{request.token}", f"/reviews/r/{request.token}/unsubscribe/",
        f"/api/v1/public/surveys/{survey.uuid}/",
        f"/api/v1/public/surveys/{survey.uuid}/responses/",
        f"/api/v1/public/invitations/{invitation.token}/responses/",
    ]  # fmt: skip


def test_a_get_never_answers_unsubscribes_or_marks_anything(public):
    """Mail scanners and link previews open every link of an e-mail, some more than
    once: GET and HEAD of every public page and every e-mailed link change nothing.
    Answering and unsubscribing take a POST (the unsubscribe page asks first)."""
    emailed = [link for message in mail.outbox for link in links_in(message)]
    assert any(link.startswith("/i/") for link in emailed)
    assert any(link.startswith("/u/") for link in emailed)
    assert any(link.startswith("/reviews/r/") for link in emailed)
    before = watched_state()
    for url in public_urls(public) + emailed:
        for method in ("get", "head"):
            reply = getattr(Client(), method)(url)
            assert reply.status_code in {200, 302, 405}, (method, url, reply.status_code)
    assert watched_state() == before
    page = Client().get(f"/u/{public.invitations[0].token}/")
    assert b'method="post"' in page.content  # the unsubscribe button is a form post
    assert Client().post(f"/u/{public.invitations[0].token}/").status_code == 200
    assert Customer.objects.exclude(email_opt_out_at=None).count() == before[3] + 1


# --- Cross-origin posts --------------------------------------------------------------


def api_answer(public: Public, origin: str | None):
    nps = public.survey.questions.get(kind="nps")
    body = json.dumps({"answers": {str(nps.uuid): 9}})
    extra = {"HTTP_ORIGIN": origin} if origin else {}
    path = f"/api/v1/public/surveys/{public.survey.uuid}/responses/"
    return Client().post(path, body, content_type="application/json", **extra)


def test_the_api_refuses_sites_the_business_did_not_list(public):
    for origin in ("https://evil.example", "null", "https://www.alices-cafe.example.evil"):
        reply = api_answer(public, origin)
        assert reply.status_code == 403, origin
        assert "origin" in reply.json()["errors"]
        assert origin[:30] in reply.json()["errors"]["origin"][0]
    assert answer_rows() == (0, 0)
    # Its listed site, its own pages and clients without Origin (servers, apps) answer.
    for origin in (ALLOWED_ORIGIN, OWN_ORIGIN, None):
        assert api_answer(public, origin).status_code == 201, origin
    assert Response.objects.count() == 3


def test_a_site_listed_by_another_business_is_refused(public, survey_b):
    survey_b.embed_origins = ["https://charlies-salon.example"]
    survey_b.save()
    assert api_answer(public, "https://charlies-salon.example").status_code == 403
    assert not Response.objects.exists()


def csrf_client(path: str) -> tuple[Client, str]:
    """A browser that opened the form: it has the CSRF cookie and the form's token."""
    client = Client(enforce_csrf_checks=True)
    page = client.get(path)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    return client, token[1].decode() if token else ""


@pytest.mark.parametrize("page", ["survey", "invitation"])
def test_the_survey_form_refuses_posts_from_other_sites(public, page):
    """The link and e-mail pages carry Django's CSRF token and check Origin: another
    site's page cannot post them, even with a token it stole; the page itself can, and
    so can a browser that sends no Origin (the token is what proves the form)."""
    path = f"/s/{public.survey.uuid}/" if page == "survey" else f"/i/{public.invitations[1].token}/"
    client, token = csrf_client(path)
    nps = public.survey.questions.get(kind="nps")
    data = {f"q-{nps.uuid}": "9", "csrfmiddlewaretoken": token,
            STARTED_FIELD: form_started_token(at=time.time() - 30)}  # fmt: skip
    for origin in ("https://evil.example", ALLOWED_ORIGIN, "null"):
        assert client.post(path, data, HTTP_ORIGIN=origin).status_code == 403, origin
    assert not Response.objects.exists()
    assert client.post(path, data, HTTP_ORIGIN=OWN_ORIGIN).status_code == 302
    assert Response.objects.count() == 1


def test_the_embed_takes_posts_from_its_page_and_no_other(public):
    """The embed cannot use the CSRF cookie (third-party iframes often lose it), so it
    requires the Origin of its own page; a missing Origin is refused too, since every
    browser sends one with a form post."""
    path = f"/s/{public.survey.uuid}/embed/"
    nps = public.survey.questions.get(kind="nps")
    data = {f"q-{nps.uuid}": "9", STARTED_FIELD: form_started_token(at=time.time() - 30)}
    for origin in ("https://evil.example", "null", None):
        extra = {"HTTP_ORIGIN": origin} if origin else {}
        reply = Client(enforce_csrf_checks=True).post(path, data, **extra)
        assert reply.status_code == 403, origin
    assert not Response.objects.exists()
    for origin in (OWN_ORIGIN, ALLOWED_ORIGIN):
        reply = Client(enforce_csrf_checks=True).post(path, data, HTTP_ORIGIN=origin)
        assert reply.status_code == 302, origin
    assert Response.objects.count() == 2
