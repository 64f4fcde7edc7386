"""Polling over real HTTP against the local provider server: claims, storing, health."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.utils import timezone

from cxplatform.vault import decrypt, encrypt
from reputation import polling
from reputation.connectors import CONNECTORS, paging
from reputation.connectors.base import Connector, FetchResult, ProviderUnavailable, SourceError
from reputation.models import Provider, Review, ReviewRevision, ReviewSource, SourceHealth
from reputation.polling import FETCH_TIME, LEASE, sources_claim_due
from reputation.providerserver import SiteReview
from reputation.sources.services import review_enter, source_update
from reputation.tasks import poll_due_sources, poll_source
from tests.reputation.conftest import SITE_IDS, SITE_SECRETS, list_path

pytestmark = pytest.mark.django_db

GOOGLE_ID = SITE_IDS["google"]


def site_reviews(count: int, *, rating: int = 5) -> list[SiteReview]:
    start = timezone.now() - timedelta(hours=count + 1)
    return [
        SiteReview(
            id=f"g{n}",
            rating=rating,
            text=f"Lovely place, visit number {n}.",
            author=f"Guest {n}",
            created=start + timedelta(hours=n),
        )
        for n in range(count)
    ]


def make_source(business, server, provider: str = Provider.GOOGLE, **fields) -> ReviewSource:
    values = {
        "provider": provider,
        "name": f"{provider} page",
        "external_id": SITE_IDS.get(provider, ""),
        "base_url": server.url,
        "secrets_encrypted": encrypt(SITE_SECRETS.get(provider, {})),
        "poll_interval_minutes": 60,
        "next_poll_at": timezone.now() - timedelta(minutes=1),
        **fields,
    }
    return ReviewSource.objects.create(business=business, **values)


@pytest.fixture
def google_a(business_a, provider_server):
    provider_server.put_reviews("google", GOOGLE_ID, site_reviews(3))
    return make_source(business_a, provider_server)


@pytest.fixture
def poll(django_capture_on_commit_callbacks):
    """One beat tick, with everything it sends run eagerly (polls, then scoring)."""

    def run() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return poll_due_sources()

    return run


def make_due(*sources: ReviewSource) -> None:
    ReviewSource.objects.filter(pk__in=[s.pk for s in sources]).update(
        next_poll_at=timezone.now() - timedelta(seconds=1)
    )


def poll_one(source: ReviewSource) -> str:
    # Through Celery (eagerly), as a worker runs it; the summary it logs comes back.
    return poll_source.apply(args=[source.pk]).get()


def near(moment: datetime | None, expected: datetime, slack: float = 5) -> bool:
    return moment is not None and abs((moment - expected).total_seconds()) <= slack


def review_requests(server) -> list[str]:
    return [path for path in server.paths() if "/reviews" in path]


# --- Success --------------------------------------------------------------------------


def test_a_first_poll_stores_the_reviews_and_schedules_the_next(google_a, provider_server, poll):
    assert poll() == 1
    google_a.refresh_from_db()
    assert Review.objects.filter(source=google_a).count() == 3
    assert google_a.health == SourceHealth.OK
    assert google_a.failures == 0 and google_a.last_error == ""
    assert near(google_a.last_success_at, timezone.now())
    assert near(google_a.next_poll_at, timezone.now() + timedelta(minutes=60))
    assert google_a.cursor["seen_until"]
    assert Review.objects.get(external_id="g2").author_name == "Guest 2"


def test_a_second_poll_adds_no_duplicates(google_a, provider_server, poll):
    poll()
    make_due(google_a)
    provider_server.add_review("google", GOOGLE_ID, SiteReview("g9", 4, "Nice tea."))
    assert poll() == 1
    assert Review.objects.filter(source=google_a).count() == 4
    assert Review.objects.filter(external_id="g9").count() == 1


def test_an_edit_on_the_site_is_picked_up(google_a, provider_server, poll):
    poll()
    make_due(google_a)
    edited = site_reviews(3)
    edited[0].rating, edited[0].text = 1, "Changed my mind: cold coffee, rude staff."
    edited[0].updated = timezone.now()
    provider_server.put_reviews("google", GOOGLE_ID, edited)
    poll()
    row = Review.objects.get(external_id="g0")
    assert (row.rating, row.text) == (1, "Changed my mind: cold coffee, rude staff.")
    assert row.sentiment_label == "negative"
    assert ReviewRevision.objects.get(review=row).rating == 5


def test_a_review_deleted_on_the_site_is_marked_at_the_daily_full_walk(
    google_a, provider_server, poll
):
    poll()
    provider_server.put_reviews("google", GOOGLE_ID, site_reviews(3)[1:])
    google_a.refresh_from_db()
    cursor = {**google_a.cursor, "full_walk_at": "2020-01-01T00:00:00+00:00"}
    ReviewSource.objects.filter(pk=google_a.pk).update(cursor=cursor)
    make_due(google_a)
    poll()
    assert Review.objects.get(external_id="g0").deleted_at is not None
    assert Review.objects.filter(deleted_at=None).count() == 2


def test_a_refreshed_access_token_is_kept_encrypted(business_a, provider_server, poll):
    provider_server.put_reviews("google", GOOGLE_ID, site_reviews(1))
    stale = {**SITE_SECRETS["google"], "access_token": "expired-token"}
    source = make_source(business_a, provider_server, secrets_encrypted=encrypt(stale))
    poll()
    source.refresh_from_db()
    assert source.health == SourceHealth.OK
    secrets = decrypt(source.secrets_encrypted)
    assert secrets["access_token"] not in ("expired-token", "")
    assert secrets["access_token"] in provider_server.google_access_tokens
    assert secrets["refresh_token"] == "google-refresh-token"
    assert "expired-token" not in source.secrets_encrypted


def test_unreadable_items_are_reported_without_failing_the_source(
    business_a, provider_server, poll
):
    good = {"reviewId": "ok1", "starRating": "FOUR", "createTime": "2024-05-01T10:00:00Z"}
    odd = {"reviewId": "odd1", "starRating": "SIX", "createTime": "2024-05-01T11:00:00Z"}
    body = json.dumps({"reviews": [good, odd]}).encode()
    provider_server.set_raw(list_path("google", GOOGLE_ID), body)
    source = make_source(business_a, provider_server)
    poll()
    source.refresh_from_db()
    assert source.health == SourceHealth.OK
    assert source.last_error.startswith("1 review could not be read and was skipped")
    assert "SIX" in source.last_error
    assert list(Review.objects.values_list("external_id", flat=True)) == ["ok1"]


# --- Failures -------------------------------------------------------------------------


def test_429_retries_after_what_the_site_asks(google_a, provider_server, poll):
    provider_server.fail_next("google", GOOGLE_ID, status=429, headers={"Retry-After": "900"})
    poll()
    google_a.refresh_from_db()
    assert google_a.health == SourceHealth.RETRYING
    assert google_a.failures == 1
    assert "429" in google_a.last_error
    assert near(google_a.next_poll_at, timezone.now() + timedelta(seconds=900))
    assert not Review.objects.exists()


def test_transient_failures_back_off_up_to_the_interval(google_a, provider_server):
    ReviewSource.objects.filter(pk=google_a.pk).update(poll_interval_minutes=5)
    waits = []
    for _ in range(4):
        provider_server.fail_next("google", GOOGLE_ID, status=503)
        poll_one(google_a)
        google_a.refresh_from_db()
        waits.append(round((google_a.next_poll_at - timezone.now()).total_seconds() / 60))
    assert waits == [2, 4, 5, 5]
    assert google_a.failures == 4
    assert google_a.health == SourceHealth.RETRYING


def test_a_server_error_is_retried_and_a_success_resets(google_a, provider_server, poll):
    provider_server.fail_next("google", GOOGLE_ID, status=500)
    poll()
    google_a.refresh_from_db()
    assert google_a.health == SourceHealth.RETRYING
    assert google_a.last_error == "The site had an error (500); retrying later."
    assert near(google_a.next_poll_at, timezone.now() + timedelta(minutes=2))
    make_due(google_a)
    poll()
    google_a.refresh_from_db()
    assert (google_a.health, google_a.failures) == (SourceHealth.OK, 0)
    assert Review.objects.count() == 3


def test_refused_credentials_need_the_owner(business_a, provider_server, poll):
    provider_server.put_reviews("yelp", SITE_IDS["yelp"], site_reviews(2))
    source = make_source(business_a, provider_server, Provider.YELP)
    provider_server.fail_next("yelp", SITE_IDS["yelp"], status=401)
    poll()
    source.refresh_from_db()
    assert source.health == SourceHealth.FAILING
    assert "refused the credentials (401)" in source.last_error
    assert near(source.next_poll_at, timezone.now() + timedelta(minutes=60))
    assert source.failures == 1


def test_a_malformed_payload_writes_nothing(business_a, provider_server, poll):
    provider_server.set_raw(list_path("google", GOOGLE_ID), b'{"reviews": [{"reviewId": "x"')
    source = make_source(business_a, provider_server)
    poll()
    source.refresh_from_db()
    assert source.health == SourceHealth.FAILING
    assert "not valid JSON" in source.last_error
    assert source.cursor == {}
    assert not Review.objects.exists()


def test_credentials_this_installation_cannot_read(business_a, provider_server, poll):
    source = make_source(business_a, provider_server, secrets_encrypted="not-a-fernet-token")
    poll()
    source.refresh_from_db()
    assert source.health == SourceHealth.FAILING
    assert "cannot be decrypted" in source.last_error


class BrokenConnector(Connector):
    provider = "google"

    def fetch(self, cursor: dict) -> FetchResult:
        return {}["a bug"]


def test_a_connector_bug_does_not_crash_the_worker(google_a, monkeypatch, caplog, poll):
    monkeypatch.setitem(CONNECTORS, "google", BrokenConnector)
    poll()
    google_a.refresh_from_db()
    assert google_a.health == SourceHealth.FAILING
    assert google_a.last_error == "Unexpected error, we are looking into it."
    assert "KeyError" in caplog.text


# --- Claims and which sources are polled ----------------------------------------------


def test_a_claimed_source_is_not_claimed_again(google_a, provider_server):
    schedule = google_a.next_poll_at
    assert sources_claim_due() == [google_a.pk]
    assert sources_claim_due() == []
    google_a.refresh_from_db()
    assert near(google_a.claimed_until, timezone.now() + LEASE)
    assert google_a.next_poll_at == schedule  # the claim leaves the schedule alone


def test_a_claim_whose_poll_died_is_taken_again_when_the_lease_ends(google_a, provider_server):
    ReviewSource.objects.filter(pk=google_a.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert sources_claim_due() == [google_a.pk]


def test_a_poll_ends_its_claim(google_a, provider_server, poll):
    poll()
    google_a.refresh_from_db()
    assert google_a.claimed_until is None
    provider_server.fail_next("google", GOOGLE_ID, status=503)
    make_due(google_a)
    poll()
    google_a.refresh_from_db()
    assert google_a.claimed_until is None and google_a.health == SourceHealth.RETRYING


def test_two_ticks_poll_a_source_once(google_a, provider_server, poll):
    assert poll() == 1
    assert poll() == 0
    assert len(review_requests(provider_server)) == 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_share_out_the_due_sources(business_a, provider_server):
    sources = [make_source(business_a, provider_server, name=f"s{n}") for n in range(60)]
    claims: list[list[int]] = []

    def claim() -> None:
        try:
            claims.append(sources_claim_due(limit=25))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = [pk for batch in claims for pk in batch]
    assert len(claimed) == len(set(claimed)) == 60
    assert set(claimed) == {s.pk for s in sources}


def test_only_active_polled_sources_that_are_due_are_polled(business_a, provider_server, poll):
    provider_server.put_reviews("google", GOOGLE_ID, site_reviews(1))
    later = timezone.now() + timedelta(minutes=30)
    make_source(business_a, provider_server, name="archived", archived_at=timezone.now())
    make_source(business_a, provider_server, name="paused", is_active=False)
    make_source(business_a, provider_server, Provider.MANUAL, external_id="", name="manual")
    make_source(business_a, provider_server, name="not due", next_poll_at=later)
    new = make_source(business_a, provider_server, name="just connected", next_poll_at=None)
    assert poll() == 1
    new.refresh_from_db()
    assert new.health == SourceHealth.OK
    assert len(review_requests(provider_server)) == 1


def test_a_source_archived_after_its_claim_is_left_alone(google_a, provider_server):
    sources_claim_due()
    ReviewSource.objects.filter(pk=google_a.pk).update(archived_at=timezone.now())
    assert poll_one(google_a) == "gone"
    ReviewSource.objects.filter(pk=google_a.pk).delete()
    assert poll_one(google_a) == "gone"
    assert review_requests(provider_server) == []


class WrongShapeConnector(Connector):
    """A connector bug that only shows when storing: not a FetchedReview."""

    provider = "google"

    def fetch(self, cursor: dict) -> FetchResult:
        return FetchResult(reviews=["not a review"], cursor={"seen_until": "x"})


def test_a_result_that_cannot_be_stored_fails_the_source_and_writes_nothing(
    google_a, monkeypatch, caplog, poll
):
    monkeypatch.setitem(CONNECTORS, "google", WrongShapeConnector)
    poll()
    google_a.refresh_from_db()
    assert google_a.health == SourceHealth.FAILING
    assert google_a.last_error == "Unexpected error, we are looking into it."
    assert google_a.cursor == {}
    assert not Review.objects.exists()
    assert "Storing the reviews of source" in caplog.text


# --- Complete walks: what may be marked deleted ------------------------------------------


def full_walk_due(source: ReviewSource) -> None:
    source.refresh_from_db()
    cursor = {**source.cursor, "full_walk_at": "2020-01-01T00:00:00+00:00"}
    ReviewSource.objects.filter(pk=source.pk).update(
        cursor=cursor, next_poll_at=timezone.now() - timedelta(seconds=1)
    )


def test_an_item_the_site_sends_unreadably_is_not_marked_deleted(google_a, provider_server, poll):
    poll()
    items = [
        {"reviewId": f"g{n}", "starRating": "FIVE", "createTime": "2024-05-01T10:00:00Z"}
        for n in (1, 2)
    ]
    items.append({"reviewId": "g0", "starRating": "SIX", "createTime": "2024-05-01T10:00:00Z"})
    provider_server.set_raw(list_path("google", GOOGLE_ID), json.dumps({"reviews": items}).encode())
    full_walk_due(google_a)
    poll()
    google_a.refresh_from_db()
    assert not Review.objects.exclude(deleted_at=None).exists()
    assert google_a.health == SourceHealth.OK and "SIX" in google_a.last_error


def test_an_empty_answer_does_not_wipe_the_source(business_a, provider_server, poll):
    provider_server.put_reviews("google", GOOGLE_ID, site_reviews(6))
    source = make_source(business_a, provider_server)
    poll()
    provider_server.set_raw(list_path("google", GOOGLE_ID), b"{}")  # reviews are optional
    full_walk_due(source)
    poll()
    source.refresh_from_db()
    assert Review.objects.filter(deleted_at=None).count() == 6
    assert source.health == SourceHealth.OK
    assert source.last_error.startswith("The site's full list left out 6 of the 6 reviews")
    assert "none were marked deleted" in source.last_error
    assert near(source.last_error_at, timezone.now())


def test_reviews_typed_in_survive_the_complete_walk(google_a, provider_server, poll):
    poll()
    review_enter(source=google_a, fields={"date": timezone.localdate(), "rating": 2, "text": "x"})
    full_walk_due(google_a)
    assert "0 deleted" in poll_one(google_a)
    assert not Review.objects.exclude(deleted_at=None).exists()


# --- Long listings: read over several polls ---------------------------------------------


def test_a_listing_longer_than_a_poll_is_read_over_several_polls(
    business_a, make_provider_server, monkeypatch
):
    server = make_provider_server(page_size=2)
    server.put_reviews("google", GOOGLE_ID, site_reviews(9))
    source = make_source(business_a, server)
    assert poll_one(source).startswith("ok: 9 new")  # 5 pages: one poll at the usual cap
    server.put_reviews("google", GOOGLE_ID, site_reviews(9)[1:])  # g0 deleted on the site
    full_walk_due(source)
    monkeypatch.setattr(paging, "MAX_PAGES", 3)
    server.requests.clear()
    poll_one(source)
    source.refresh_from_db()
    # 3 of the 4 pages read: not complete, nothing deleted, the place kept.
    assert source.cursor["walk"]["start"] == "6"
    assert source.cursor["full_walk_at"] == "2020-01-01T00:00:00+00:00"
    assert not Review.objects.exclude(deleted_at=None).exists()
    poll_one(source)
    source.refresh_from_db()
    assert "walk" not in source.cursor
    assert source.cursor["full_walk_at"] > "2020-01-01T00:00:00+00:00"
    # The pages the first poll read still count: only g0 is gone.
    assert list(Review.objects.exclude(deleted_at=None).values_list("external_id", flat=True)) == [
        "g0"
    ]
    tokens = [parse_qs(urlsplit(path).query).get("pageToken") for path in server.paths()]
    assert tokens == [None, ["2"], ["4"], ["6"]]


# --- Time: a poll keeps within its lease -------------------------------------------------


def test_a_fetch_stops_at_its_deadline_and_carries_on_next_poll(
    business_a, make_provider_server, monkeypatch
):
    assert LEASE - timedelta(seconds=60) >= FETCH_TIME
    server = make_provider_server(page_size=1, latency=0.2)
    server.put_reviews("google", GOOGLE_ID, site_reviews(4))
    source = make_source(business_a, server)
    monkeypatch.setattr(polling, "FETCH_TIME", timedelta(seconds=0.3))
    polls = 0
    while polls < 4:
        polls += 1
        poll_one(source)
        source.refresh_from_db()
        if source.cursor.get("full_walk_at"):
            break
    assert polls > 1  # 4 pages of 0.2 s cannot fit in one 0.3 s fetch
    assert Review.objects.count() == 4
    assert source.health == SourceHealth.OK and source.claimed_until is None


class MovedWhilePolling(CONNECTORS["google"]):
    """The owner points the source at another location while its poll runs."""

    fail_with: SourceError | None = None

    def fetch(self, cursor: dict) -> FetchResult:
        result = super().fetch(cursor)
        source = ReviewSource.objects.get(external_id=GOOGLE_ID)
        source_update(source=source, values={"external_id": "accounts/1/locations/99"})
        if self.fail_with is not None:
            raise self.fail_with
        return result


@pytest.mark.parametrize("fails", [False, True], ids=["success", "failure"])
def test_a_poll_of_an_address_changed_meanwhile_is_dropped(
    google_a, provider_server, monkeypatch, fails
):
    error = ProviderUnavailable("The site had an error (503); retrying later.")
    monkeypatch.setattr(MovedWhilePolling, "fail_with", error if fails else None)
    monkeypatch.setitem(CONNECTORS, "google", MovedWhilePolling)
    ReviewSource.objects.filter(pk=google_a.pk).update(claimed_until=timezone.now() + LEASE)
    assert poll_one(google_a).startswith("dropped")
    google_a.refresh_from_db()
    assert google_a.external_id == "accounts/1/locations/99"
    assert not Review.objects.exists()  # nothing from the old address
    assert google_a.cursor == {} and google_a.next_poll_at <= timezone.now()
    assert (google_a.health, google_a.last_error, google_a.failures) == (SourceHealth.NEW, "", 0)
    assert google_a.claimed_until is None  # the new address is polled at the next tick
