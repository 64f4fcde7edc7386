"""Review requests: honest (no gating), consent respected, sent once, clicks recorded."""

from __future__ import annotations

import json
from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.core.mail import BadHeaderError
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from accounts.models import Business
from customers.models import Customer, Purchase
from feedback.models import Response
from reputation.models import RequestStatus, ReviewRequest
from reputation.review_requests import (
    due_request_ids,
    review_request_send,
    send_due_review_requests,
    send_review_request,
)
from reputation.sources.services import source_archive, source_create
from tests.factories import CustomerFactory
from tests.paging import sort_without_index, walk_pages

PAGE = "/reviews/requests/"
API = "/api/v1/review-requests/"
REVIEW_PAGE = "https://g.page/r/cafe-lumiere/review"


class FailingBackend(BaseEmailBackend):
    """A mail server that hangs up: the request must go back in the queue."""

    def send_messages(self, messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")


class RefusingBackend(BaseEmailBackend):
    """A message that can never be sent as it is: trying again cannot help."""

    def send_messages(self, messages):
        raise BadHeaderError("Header values can't contain newlines")


@pytest.fixture
def google(business_a):
    return source_create(
        business=business_a, provider="manual",
        values={"name": "Google", "review_page_url": REVIEW_PAGE},
    )  # fmt: skip


def customer(business, **fields) -> Customer:
    defaults = {"consent_to_contact": True}
    return CustomerFactory(business=business, **{**defaults, **fields})


def bought(someone: Customer, days_ago: int) -> None:
    Purchase.objects.create(
        business=someone.business, customer=someone, amount=5,
        purchased_at=timezone.now() - timedelta(days=days_ago),
    )  # fmt: skip


@pytest.fixture
def crowd(business_a, google):
    """Recent buyers of every kind, and one who bought long ago."""
    people = {
        "ok": customer(business_a, name='Ann "<b>" & Co', email="ann@example.net"),
        "ok2": customer(business_a, email="ben@example.net"),
        "no_email": customer(business_a, email=""),
        "opted_out": customer(business_a, email_opt_out_at=timezone.now()),
        "no_consent": customer(business_a, consent_to_contact=False),
        "asked": customer(business_a),
        "long_ago": customer(business_a),
    }
    for key, someone in people.items():
        bought(someone, 200 if key == "long_ago" else 3)
    ReviewRequest.objects.create(
        business=business_a, customer=people["asked"], source=google, token="t" * 43,
        status=RequestStatus.SENT, created_at=timezone.now() - timedelta(days=30),
    )  # fmt: skip
    return people


def choice(source, **changes) -> dict:
    return {"source": str(source.uuid), "audience": "bought", "days": "30", **changes}


class TestPage:
    def test_it_says_why_there_is_no_gating(self, google, alice, client_of):
        html = client_of(alice).get(PAGE).content.decode()
        assert "review gating" in html and "Google's and Yelp's rules" in html

    def test_the_preview_counts_who_is_asked_and_who_is_skipped(
        self, crowd, google, alice, client_of
    ):
        reply = client_of(alice).get(PAGE, choice(google))
        assert reply.status_code == 200
        plan = reply.context["plan"]
        assert plan.asked == 2
        assert plan.skipped == {"no_email": 1, "opted_out": 1, "no_consent": 1,
                                "asked_recently": 1}  # fmt: skip
        assert not ReviewRequest.objects.filter(status=RequestStatus.QUEUED).exists()

    def test_sending_asks_each_once_with_an_honest_escaped_email(
        self, crowd, google, alice, client_of, mailoutbox, django_capture_on_commit_callbacks
    ):
        client = client_of(alice)
        with django_capture_on_commit_callbacks(execute=True):
            reply = client.post(PAGE, choice(google))
        assert reply.status_code == 302
        made = ReviewRequest.objects.exclude(customer=crowd["asked"])
        assert {r.customer_id for r in made} == {crowd["ok"].pk, crowd["ok2"].pk}
        assert all(r.status == RequestStatus.SENT and r.sent_at for r in made)
        assert sorted(m.to[0] for m in mailoutbox) == ["ann@example.net", "ben@example.net"]
        ann = next(m for m in mailoutbox if m.to == ["ann@example.net"])
        html = ann.alternatives[0][0]
        assert "Ann &quot;&lt;b&gt;&quot; &amp; Co" in html and "<b>" not in html
        assert 'Hello Ann "<b>" & Co,' in ann.body  # the text part is plain text
        token = made.get(customer=crowd["ok"]).token
        assert f"/reviews/r/{token}" in ann.body and f"/reviews/r/{token}/unsubscribe/" in html
        assert ann.extra_headers["List-Unsubscribe"].endswith(f"/r/{token}/unsubscribe/>")
        assert "Alice's Café" in ann.subject and "&#x27;" not in ann.subject
        with django_capture_on_commit_callbacks(execute=True):
            client.post(PAGE, choice(google))
        assert len(mailoutbox) == 2  # all asked within 90 days
        page = client.get(PAGE)
        assert page.context["figures"]["sent"] == 3

    @pytest.mark.parametrize("gate", ["min_rating", "sentiment", "only_happy", "nps_min"])
    def test_a_satisfaction_filter_is_refused(self, gate, crowd, google, alice, client_of):
        client = client_of(alice)
        posted = client.post(PAGE, {**choice(google), gate: "4"})
        assert posted.status_code == 400
        assert any(gate in e and "review gating" in e for e in posted.context["form"].errors[
            "__all__"])  # fmt: skip
        assert client.get(PAGE, {**choice(google), gate: "positive"}).status_code == 400
        assert ReviewRequest.objects.count() == 1

    def test_answered_and_everyone_groups(
        self, crowd, survey_a, business_a, google, alice, client_of
    ):
        Response.objects.create(business=business_a, survey=survey_a, customer=crowd["ok2"])
        client = client_of(alice)
        answered = client.get(PAGE, choice(google, audience="answered", days="7"))
        assert answered.context["plan"].asked == 1
        everyone = client.get(PAGE, choice(google, audience="everyone", days=""))
        assert everyone.context["plan"].asked == 3  # "long_ago" too

    def test_days_and_site_are_checked(self, crowd, business_a, google, alice, client_of):
        client = client_of(alice)
        assert "days" in client.get(PAGE, choice(google, days="0")).context["form"].errors
        no_page = source_create(business=business_a, provider="manual", values={"name": "X"})
        reply = client.get(PAGE, choice(no_page))
        assert reply.status_code == 400 and "source" in reply.context["form"].errors

    def test_staff_get_403_and_outsiders_cannot_use_the_source(
        self, crowd, google, bob, charlie, business_b, client_of
    ):
        assert client_of(bob).get(PAGE).status_code == 403
        assert client_of(bob).post(PAGE, choice(google)).status_code == 403
        reply = client_of(charlie).post(PAGE, choice(google))
        assert reply.status_code == 400 and "source" in reply.context["form"].errors
        assert ReviewRequest.objects.count() == 1
        assert list(client_of(charlie).get(PAGE).context["page"].object_list) == []


@pytest.fixture
def queued(crowd, business_a, google):
    return ReviewRequest.objects.create(
        business=business_a, customer=crowd["ok"], source=google, token="q" * 43
    )


class TestSending:
    def test_a_request_is_sent_once_however_often_the_task_runs(self, queued, mailoutbox):
        assert send_review_request(queued.pk) is True
        assert send_review_request(queued.pk) is False
        assert review_request_send(request_id=queued.pk) is False
        assert len(mailoutbox) == 1

    def test_a_failed_send_goes_back_in_the_queue(
        self, queued, mailoutbox, settings, client_of, alice
    ):
        settings.EMAIL_BACKEND = "tests.reputation.test_review_requests.FailingBackend"
        with pytest.raises(SMTPServerDisconnected):
            review_request_send(request_id=queued.pk)
        queued.refresh_from_db()
        assert queued.status == RequestStatus.QUEUED
        assert queued.error == "Sending failed; will retry."
        assert queued.sent_at is None and queued.tried_at is not None  # the sweeper's wait
        shown = client_of(alice).get(f"{API}{queued.uuid}/").json()
        assert (shown["status"], shown["sent_at"]) == ("queued", None)
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert review_request_send(request_id=queued.pk) is True
        queued.refresh_from_db()
        assert queued.status == RequestStatus.SENT and queued.error == ""

    def test_any_other_failure_fails_the_request_with_the_reason(
        self, queued, mailoutbox, settings
    ):
        settings.EMAIL_BACKEND = "tests.reputation.test_review_requests.RefusingBackend"
        assert send_review_request(queued.pk) is False
        queued.refresh_from_db()
        assert queued.status == RequestStatus.FAILED and queued.sent_at is None
        assert queued.error == "Not sent: Header values can't contain newlines"
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        later = timezone.now() + timedelta(hours=2)
        assert due_request_ids(now=later) == [] and send_review_request(queued.pk) is False
        assert mailoutbox == []

    def test_the_sweeper_waits_before_trying_a_failed_request_again(
        self, queued, mailoutbox, settings
    ):
        created = timezone.now() - timedelta(minutes=10)
        ReviewRequest.objects.filter(pk=queued.pk).update(created_at=created)
        settings.EMAIL_BACKEND = "tests.reputation.test_review_requests.FailingBackend"
        with pytest.raises(SMTPServerDisconnected):
            review_request_send(request_id=queued.pk)
        tried = ReviewRequest.objects.get(pk=queued.pk).tried_at
        # It had waited 10 minutes when tried: it waits as long again (so waits double).
        assert send_due_review_requests() == 0
        assert due_request_ids(now=tried + timedelta(minutes=9)) == []
        assert due_request_ids(now=tried + timedelta(minutes=11)) == [queued.pk]
        # An hour at most, however long it has been waiting.
        ReviewRequest.objects.filter(pk=queued.pk).update(created_at=tried - timedelta(days=1))
        assert due_request_ids(now=tried + timedelta(minutes=59)) == []
        assert due_request_ids(now=tried + timedelta(minutes=61)) == [queued.pk]
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        ReviewRequest.objects.filter(pk=queued.pk).update(tried_at=tried - timedelta(hours=2))
        assert send_due_review_requests() == 1 and len(mailoutbox) == 1

    def test_no_email_after_unsubscribing_or_archiving(self, queued, google, client, mailoutbox):
        assert client.post(f"/reviews/r/{queued.token}/unsubscribe/").status_code == 200
        assert review_request_send(request_id=queued.pk) is False
        queued.refresh_from_db()
        assert queued.status == RequestStatus.SKIPPED and "Unsubscribed" in queued.error
        assert Customer.objects.get(pk=queued.customer_id).email_opt_out_at is not None
        assert mailoutbox == []

    def test_the_sweeper_sends_what_was_lost_and_gives_up_on_old_ones(
        self, queued, crowd, business_a, google, mailoutbox
    ):
        ReviewRequest.objects.filter(pk=queued.pk).update(
            created_at=timezone.now() - timedelta(minutes=10)
        )
        fresh = ReviewRequest.objects.create(
            business=business_a, customer=crowd["ok2"], source=google, token="f" * 43
        )
        stale = ReviewRequest.objects.create(
            business=business_a, customer=crowd["ok2"], source=google, token="s" * 43,
            created_at=timezone.now() - timedelta(days=4),
        )  # fmt: skip
        assert send_due_review_requests() == 1
        assert [m.to for m in mailoutbox] == [["ann@example.net"]]
        statuses = dict(ReviewRequest.objects.values_list("token", "status"))
        assert statuses[fresh.token] == RequestStatus.QUEUED  # its own task sends it
        assert statuses[stale.token] == RequestStatus.FAILED

    def test_archived_site_is_not_advertised(self, queued, google, mailoutbox):
        source_archive(source=google)
        assert review_request_send(request_id=queued.pk) is False
        assert mailoutbox == []


class TestLink:
    def test_opening_the_link_shows_the_button_and_counts_nothing(self, queued, client):
        # Mail scanners and link previews open every link: an open is not a click.
        page = client.get(f"/reviews/r/{queued.token}")
        assert page.status_code == 200
        html = page.content.decode()
        assert f'class="button" href="{REVIEW_PAGE}"' in html
        assert f"Write a review on {queued.source.name}" in html
        assert f"/reviews/r/{queued.token}/unsubscribe/" in html
        assert client.head(f"/reviews/r/{queued.token}").status_code == 200
        queued.refresh_from_db()
        assert queued.clicked_at is None

    def test_the_taps_beacon_records_the_click_once(self, queued, client):
        first = client.post(f"/reviews/r/{queued.token}")
        assert first.status_code == 204
        queued.refresh_from_db()
        clicked = queued.clicked_at
        assert clicked is not None
        again = client.post(f"/reviews/r/{queued.token}")
        assert again.status_code == 204
        queued.refresh_from_db()
        assert queued.clicked_at == clicked

    def test_the_business_name_is_shown_escaped(self, queued, client):
        Business.objects.filter(pk=queued.business_id).update(name="<b>Café</b>")
        html = client.get(f"/reviews/r/{queued.token}").content.decode()
        assert "&lt;b&gt;Café&lt;/b&gt;" in html and "<b>Café</b>" not in html

    def test_a_site_no_longer_offered_is_a_404_and_no_click(self, queued, google, client):
        source_archive(source=google)
        assert client.get(f"/reviews/r/{queued.token}").status_code == 404
        assert client.post(f"/reviews/r/{queued.token}").status_code == 404
        queued.refresh_from_db()
        assert queued.clicked_at is None

    def test_unknown_tokens_get_the_404_page(self, queued, client):
        for token in ["x" * 43, "short", queued.token[:-1] + "!"]:
            reply = client.get(f"/reviews/r/{token}")
            assert reply.status_code == 404 and b"could not find" in reply.content

    def test_unsubscribe_asks_before_it_acts(self, queued, client):
        page = client.get(f"/reviews/r/{queued.token}/unsubscribe/")
        assert page.status_code == 200
        assert Customer.objects.get(pk=queued.customer_id).email_opt_out_at is None


class TestApi:
    def post(self, client, url, body, **extra):
        return client.post(url, json.dumps(body), "application/json", **extra)

    def test_preview_create_and_list(self, crowd, google, mia, client_of, mailoutbox):
        client = client_of(mia)
        body = {"source": str(google.uuid), "audience": "bought", "days": 30}
        preview = self.post(client, f"{API}preview/", body)
        assert preview.status_code == 200 and preview.json()["asked"] == 2
        assert preview.json()["skipped"]["no_consent"] == 1
        created = self.post(client, API, body)
        assert created.status_code == 201 and created.json()["asked"] == 2
        listed = client.get(API).json()["results"]
        assert len(listed) == 3 and "token" not in listed[0]

    def test_pages_give_each_request_once(self, business_a, google, alice, client_of):
        # One run gives all its requests the same created_at.
        people, now = [customer(business_a) for _ in range(30)], timezone.now()
        made = ReviewRequest.objects.bulk_create(
            ReviewRequest(business=business_a, customer=someone, source=google,
                          token=f"{n:043d}", created_at=now)
            for n, someone in enumerate(people)
        )  # fmt: skip
        sort_without_index()
        seen = walk_pages(client_of(alice), f"{API}?page_size=10")
        assert sorted(seen) == sorted(str(r.uuid) for r in made)

    @pytest.mark.parametrize("gate", ["min_rating", "satisfied_only", "sentiment"])
    def test_a_satisfaction_parameter_is_refused(self, gate, crowd, google, alice, client_of):
        body = {"source": str(google.uuid), "audience": "everyone", gate: 4}
        reply = self.post(client_of(alice), API, body)
        assert reply.status_code == 400
        assert "review gating" in reply.json()["errors"][gate][0]
        assert ReviewRequest.objects.count() == 1

    def test_access(self, crowd, google, queued, bob, charlie, business_b, client_of):
        body = {"source": str(google.uuid), "audience": "everyone"}
        assert self.post(client_of(bob), API, body).status_code == 403
        outsider = client_of(charlie)
        assert outsider.get(f"{API}{queued.uuid}/").status_code == 404
        refused = self.post(outsider, API, body)
        assert refused.status_code == 400 and "source" in refused.json()["errors"]
        assert ReviewRequest.objects.count() == 2
