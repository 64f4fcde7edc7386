"""reviews_store: the one way reviews are written (polling, manual entry, CSV import)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import Location
from reputation import services
from reputation.connectors.base import FetchedReview
from reputation.models import Provider, ReplyStatus, Review, ReviewRevision, ReviewSource
from reputation.polling import LEASE
from reputation.services import reviews_store, source_poll_now
from textanalysis.models import Alert, AlertReason, AspectMention

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def make_source(business, **fields) -> ReviewSource:
    defaults = {
        "provider": Provider.GOOGLE,
        "name": "Google",
        "external_id": "accounts/1/locations/2",
    }
    return ReviewSource.objects.create(business=business, **{**defaults, **fields})


@pytest.fixture
def location_a(business_a):
    return Location.objects.create(business=business_a, name="Old Town")


@pytest.fixture
def source_a(business_a, location_a):
    return make_source(business_a, location=location_a)


@pytest.fixture
def source_b(business_b):
    return make_source(business_b, name="Charlie's Google")


def review(n: int, **fields) -> FetchedReview:
    defaults = {
        "external_id": f"r{n}",
        "published_at": NOW - timedelta(hours=n + 1),
        "rating": 5,
        "text": f"Lovely croissants, friendly staff (visit {n}).",
        "author_name": f"Reviewer {n}",
    }
    return FetchedReview(**{**defaults, **fields})


def reviews(count: int) -> list[FetchedReview]:
    return [review(n) for n in range(count)]


@pytest.fixture
def stored(django_capture_on_commit_callbacks):
    """Store, then run what was sent on commit (scoring, alert delivery), eagerly."""

    def run(source, fetched, *, complete=False, **options):
        with django_capture_on_commit_callbacks(execute=True):
            return reviews_store(source=source, fetched=fetched, complete=complete, **options)

    return run


# --- New reviews and idempotency -------------------------------------------------------


def test_it_creates_reviews_as_the_site_shows_them(source_a, location_a, stored):
    outcome = stored(source_a, reviews(3))
    assert (outcome.created, outcome.updated, outcome.unchanged) == (3, 0, 0)
    first = Review.objects.get(external_id="r0")
    assert first.business_id == source_a.business_id
    assert first.location == location_a
    assert first.created_at == NOW - timedelta(hours=1)
    assert first.author_name == "Reviewer 0"
    assert first.reply_status == ReplyStatus.NONE
    assert set(outcome.ids) == {"r0", "r1", "r2"}
    assert outcome.ids["r0"] == first.pk


def test_new_reviews_are_scored(source_a, stored):
    outcome = stored(source_a, [review(0, text="Awful coffee, rude staff, never again.")])
    scored = Review.objects.get()
    assert outcome.to_score == [scored.pk]
    assert scored.scored_at is not None
    assert scored.sentiment_label == "negative"


def test_a_review_without_text_is_stored_but_not_sent_to_the_scorer(source_a, stored):
    outcome = stored(source_a, [review(0, text="")])
    assert outcome.created == 1
    assert outcome.to_score == []


def test_storing_the_same_list_twice_changes_nothing(source_a, stored):
    stored(source_a, reviews(4))
    before = list(Review.objects.order_by("pk").values())
    outcome = stored(source_a, reviews(4))
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, 4)
    assert outcome.to_score == []
    assert list(Review.objects.order_by("pk").values()) == before
    assert not ReviewRevision.objects.exists()


def test_an_id_listed_twice_is_stored_once(source_a, stored):
    outcome = stored(source_a, [review(0, rating=2), review(0, rating=4)])
    assert outcome.created == 1
    assert Review.objects.get().rating == 4


# --- Edits ----------------------------------------------------------------------------


def test_an_edited_review_keeps_its_earlier_version_and_is_scored_again(source_a, stored):
    stored(source_a, [review(0, rating=2, text="The staff were rude and slow.")])
    first = Review.objects.get()
    old_mentions = set(AspectMention.objects.filter(source_id=first.pk).values_list("aspect_key"))
    assert old_mentions, "the first text names the staff"
    edited_at = NOW - timedelta(minutes=5)
    outcome = stored(
        source_a,
        [review(0, rating=5, text="Wonderful cake, I changed my mind!", edited_at=edited_at)],
    )
    assert (outcome.created, outcome.updated) == (0, 1)
    assert outcome.to_score == [first.pk]
    now = Review.objects.get()
    assert (now.rating, now.text, now.edited_at) == (
        5,
        "Wonderful cake, I changed my mind!",
        edited_at,
    )
    assert now.sentiment_label == "positive"
    revision = ReviewRevision.objects.get(review=now)
    assert (revision.rating, revision.text, revision.edited_at) == (
        2, "The staff were rude and slow.", None,
    )  # fmt: skip
    # The old text's aspects no longer count for it.
    mentions = set(AspectMention.objects.filter(source_id=now.pk).values_list("aspect_key"))
    assert ("staff",) not in mentions


def test_a_new_rating_without_new_words_is_kept_but_not_scored_again(source_a, stored):
    stored(source_a, [review(0, rating=3)])
    scored_at = Review.objects.get().scored_at
    outcome = stored(source_a, [review(0, rating=4)])
    assert outcome.updated == 1 and outcome.to_score == []
    assert Review.objects.get().scored_at == scored_at
    assert ReviewRevision.objects.get().rating == 3


def test_a_changed_author_name_is_an_update_without_a_revision(source_a, stored):
    stored(source_a, [review(0)])
    outcome = stored(source_a, [review(0, author_name="A Google user")])
    assert outcome.updated == 1
    assert Review.objects.get().author_name == "A Google user"
    assert not ReviewRevision.objects.exists()


# --- Deletions ------------------------------------------------------------------------


def test_a_complete_listing_marks_missing_reviews_deleted(source_a, stored):
    stored(source_a, reviews(3), complete=True)
    outcome = stored(source_a, reviews(3)[1:], complete=True)
    assert outcome.deleted == 1
    gone = Review.objects.get(external_id="r0")
    assert gone.deleted_at is not None
    assert Review.objects.filter(deleted_at=None).count() == 2


def test_a_review_that_reappears_is_restored(source_a, stored):
    stored(source_a, reviews(2), complete=True)
    stored(source_a, reviews(1), complete=True)
    outcome = stored(source_a, reviews(2), complete=True)
    assert (outcome.restored, outcome.updated, outcome.deleted) == (1, 1, 0)
    assert not Review.objects.exclude(deleted_at=None).exists()


def test_a_partial_listing_deletes_nothing(source_a, stored):
    stored(source_a, reviews(3))
    outcome = stored(source_a, reviews(1))
    assert outcome.deleted == 0
    assert not Review.objects.exclude(deleted_at=None).exists()


def test_reviews_entered_by_hand_survive_a_complete_listing(source_a, stored):
    stored(source_a, reviews(2), complete=True)
    typed = [review(7, external_id="manual-1"), review(8, external_id="csv-1")]
    assert stored(source_a, typed, by_hand=True).created == 2
    outcome = stored(source_a, reviews(2), complete=True)
    assert outcome.deleted == 0
    assert not Review.objects.exclude(deleted_at=None).exists()
    by_hand = Review.objects.filter(entered_by_hand=True)
    assert set(by_hand.values_list("external_id", flat=True)) == {"manual-1", "csv-1"}
    assert Review.objects.filter(entered_by_hand=False).count() == 2


def test_a_complete_listing_with_unreadable_items_deletes_nothing(source_a, stored):
    stored(source_a, reviews(3), complete=True)
    # r0 is still on the site, in a form the connector could not read.
    outcome = stored(
        source_a, reviews(3)[1:], complete=True, skipped=["Google review r0: unknown stars"]
    )
    assert outcome.deleted == 0 and outcome.skipped == ["Google review r0: unknown stars"]
    # The same when it is the store that cannot take the item.
    outcome = stored(source_a, [review(0, rating=9), *reviews(3)[1:]], complete=True)
    assert outcome.deleted == 0 and len(outcome.skipped) == 1
    assert not Review.objects.exclude(deleted_at=None).exists()


def test_the_ids_an_earlier_poll_of_the_walk_listed_are_kept(source_a, stored):
    stored(source_a, reviews(6), complete=True)
    outcome = stored(source_a, reviews(6)[3:5], complete=True, listed_before=["r0", "r1", "r2"])
    assert outcome.deleted == 1
    assert list(Review.objects.exclude(deleted_at=None).values_list("external_id", flat=True)) == [
        "r5"
    ]


@pytest.mark.parametrize(
    ("live", "listed", "deleted"),
    [(10, 2, 0), (10, 6, 4), (4, 1, 3), (8, 4, 4), (8, 3, 0)],
    ids=["8-of-10-held", "4-of-10", "3-of-4", "half", "5-of-8-held"],
)
def test_a_listing_missing_most_reviews_at_once_is_not_believed(
    source_a, stored, caplog, live, listed, deleted
):
    stored(source_a, reviews(live), complete=True)
    outcome = stored(source_a, reviews(listed), complete=True)
    assert outcome.deleted == deleted
    assert Review.objects.exclude(deleted_at=None).count() == deleted
    if deleted:
        assert outcome.warnings == []
    else:
        gone = live - listed
        assert outcome.warnings == [
            f"The site's full list left out {gone} of the {live} reviews stored here. That "
            "many at once looks like a fault on the site, so none were marked deleted."
        ]
        assert "none marked deleted" in caplog.text


def test_only_site_reviews_count_towards_the_half(source_a, stored):
    stored(source_a, reviews(5), complete=True)
    stored(source_a, [review(n, external_id=f"csv-{n}") for n in range(20)], by_hand=True)
    # 4 of the 5 site reviews gone: held back, whatever the 20 typed in.
    assert stored(source_a, reviews(1), complete=True).deleted == 0


# --- Replies --------------------------------------------------------------------------


def test_a_reply_shown_on_the_site_is_recorded(source_a, stored):
    replied_at = NOW - timedelta(minutes=30)
    stored(source_a, [review(0)])
    outcome = stored(
        source_a, [review(0, reply_text="Thank you, see you soon!", replied_at=replied_at)]
    )
    assert outcome.updated == 1
    row = Review.objects.get()
    assert (row.reply_status, row.reply_text, row.replied_at) == (
        ReplyStatus.ON_SITE, "Thank you, see you soon!", replied_at,
    )  # fmt: skip


def test_a_new_review_already_answered_on_the_site(source_a, stored):
    stored(source_a, [review(0, reply_text="Thanks!", replied_at=NOW)])
    assert Review.objects.get().reply_status == ReplyStatus.ON_SITE


def test_our_own_reply_is_never_overwritten(source_a, stored):
    stored(source_a, [review(0)])
    Review.objects.update(reply_status=ReplyStatus.POSTED, reply_text="Ours", replied_at=NOW)
    outcome = stored(
        source_a, [review(0, reply_text="Ours, as the site formats it", replied_at=NOW)]
    )
    assert outcome.unchanged == 1
    row = Review.objects.get()
    assert (row.reply_status, row.reply_text) == (ReplyStatus.POSTED, "Ours")


def test_a_reply_posted_while_a_poll_stores_is_not_undone(source_a, stored, monkeypatch):
    stored(source_a, [review(0, rating=4)])
    read = services.reviews_existing

    def read_then_reply_meanwhile(source, external_ids):
        found = read(source, external_ids)  # the store's snapshot: not replied yet
        Review.objects.filter(external_id="r0").update(
            reply_status=ReplyStatus.POSTED, reply_text="Ours, just posted", replied_at=NOW
        )
        return found

    monkeypatch.setattr(services, "reviews_existing", read_then_reply_meanwhile)
    outcome = stored(source_a, [review(0, rating=3, reply_text="Shown on the site")])
    assert outcome.updated == 1
    row = Review.objects.get()
    assert (row.reply_status, row.reply_text, row.replied_at) == (
        ReplyStatus.POSTED, "Ours, just posted", NOW,
    )  # fmt: skip
    assert row.rating == 3  # what the site decides is still taken


def test_site_replies_are_written_per_review(source_a, stored):
    stored(source_a, reviews(3))
    at = [NOW - timedelta(minutes=n) for n in range(3)]
    stored(source_a, [review(n, reply_text=f"Thanks {n}", replied_at=at[n]) for n in range(3)])
    rows = Review.objects.order_by("external_id")
    assert [(r.reply_text, r.replied_at, r.reply_status) for r in rows] == [
        (f"Thanks {n}", at[n], ReplyStatus.ON_SITE) for n in range(3)
    ]


def test_a_reply_missing_from_a_fetch_is_kept(source_a, stored):
    stored(source_a, [review(0, reply_text="Thanks!", replied_at=NOW)])
    assert stored(source_a, [review(0)]).unchanged == 1
    assert Review.objects.get().reply_text == "Thanks!"


# --- Low-star alerts ------------------------------------------------------------------


def test_a_fresh_low_star_review_raises_one_alert_once(source_a, alice, stored):
    text = "Cold coffee. <script>alert(1)</script>"
    stored(source_a, [review(0, rating=1, text=text), review(1, rating=3)])
    stored(source_a, [review(0, rating=1, text=text), review(1, rating=3)])
    alert = Alert.objects.get()
    row = Review.objects.get(external_id="r0")
    assert (alert.source, alert.source_id, alert.reason) == (
        "reputation.Review",
        row.pk,
        "low_rating",
    )
    assert alert.score is None and alert.excerpt == text
    assert alert.business_id == source_a.business_id
    assert alert.emailed_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [alice.email]
    assert "one or two stars" in mail.outbox[0].subject


def test_a_star_only_low_review_raises_an_alert(source_a, stored):
    assert stored(source_a, [review(0, rating=2, text="")]).alerts == 1
    assert Alert.objects.get().excerpt == ""


def test_an_old_low_star_review_raises_no_alert(source_a, stored):
    old = NOW - timedelta(days=30)
    outcome = stored(source_a, [review(0, rating=1, text="", published_at=old)])
    assert outcome.alerts == 0
    assert not Alert.objects.exists()


def test_an_edit_down_to_one_star_raises_the_alert_once(source_a, stored):
    stored(source_a, [review(0, rating=4, text="Fine.")])
    assert not Alert.objects.exists()
    outcome = stored(source_a, [review(0, rating=1, text="Changed my mind: awful.")])
    assert outcome.alerts == 1
    alert = Alert.objects.get(reason=AlertReason.LOW_RATING)
    assert alert.source_id == Review.objects.get().pk
    assert alert.excerpt == "Changed my mind: awful."
    # Up again and down again: still the one alert for this review.
    stored(source_a, [review(0, rating=5, text="Changed my mind: awful.")])
    assert stored(source_a, [review(0, rating=2, text="Changed my mind: awful.")]).alerts == 0
    assert Alert.objects.count() == 1


@pytest.mark.parametrize(
    ("before", "after", "edited_days_ago", "alerts"),
    [(3, 2, None, 1), (2, 1, None, 0), (None, 1, None, 0), (5, 1, 30, 0), (5, 1, 1, 1)],
    ids=["3-to-2", "already-low", "no-stars-before", "edited-long-ago", "edited-lately"],
)
def test_which_edits_down_raise_the_alert(source_a, stored, before, after, edited_days_ago, alerts):
    old = NOW - timedelta(days=60)  # written long ago: only the edit can be news
    stored(source_a, [review(0, rating=before, published_at=old)])
    edited_at = NOW - timedelta(days=edited_days_ago) if edited_days_ago else None
    edit = review(0, rating=after, published_at=old, edited_at=edited_at)
    assert stored(source_a, [edit]).alerts == alerts


def test_the_alert_page_shows_the_stars_escaped_text_and_hides_from_outsiders(
    source_a, alice, charlie, business_b, client_of, stored
):
    stored(
        source_a,
        [review(0, rating=1, text="Cold coffee <b>never</b> again", url="https://g.example/r0")],
    )
    alert = Alert.objects.get()
    url = reverse("textanalysis:alert", args=[alert.uuid])
    page = client_of(alice).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "The reviewer gave 1 star out of 5." in html
    assert "&lt;b&gt;never&lt;/b&gt;" in html and "<b>never</b>" not in html
    assert 'href="https://g.example/r0"' in html
    listing = client_of(alice).get(reverse("textanalysis:alerts")).content.decode()
    assert "One or two stars" in listing
    assert client_of(charlie).get(url).status_code == 404


# --- Tenancy, bad items, query counts, concurrency --------------------------------------


def test_another_business_with_the_same_ids_is_untouched(source_a, source_b, stored):
    stored(source_b, reviews(3))
    before = list(Review.objects.filter(source=source_b).order_by("pk").values())
    stored(source_a, [review(0, rating=1, text="changed")], complete=True)
    assert list(Review.objects.filter(source=source_b).order_by("pk").values()) == before
    assert Review.objects.filter(source=source_a).count() == 1


def test_unreadable_items_are_skipped_and_the_rest_stored(source_a, stored):
    outcome = stored(
        source_a,
        [
            review(0, external_id=""),
            review(1, rating=7),
            review(2, external_id="x" * 300),
            review(3, text="nul\x00byte", url="javascript:alert(1)", title="t" * 400),
            review(4, published_at=(NOW - timedelta(hours=1)).replace(tzinfo=None)),
        ],
    )
    assert outcome.created == 2
    assert len(outcome.skipped) == 3
    assert "7" in outcome.skipped[1]
    row = Review.objects.get(external_id="r3")
    assert (row.text, row.url, len(row.title)) == ("nulbyte", "", 300)


# SQLite's 999-parameter limit makes Django split large bulk writes there.
@pytest.mark.parametrize("count", [5, pytest.param(120, marks=pytest.mark.postgresql)])
def test_the_number_of_queries_does_not_grow_with_the_reviews(
    source_a, count, django_assert_max_num_queries
):
    fresh = [review(n, rating=1 + n % 5) for n in range(count)]
    with django_assert_max_num_queries(10):
        reviews_store(source=source_a, fetched=fresh, complete=True)
    edited = [replace(item, text=item.text + " Edited.") for item in fresh[1:]]
    with django_assert_max_num_queries(10):
        outcome = reviews_store(source=source_a, fetched=edited, complete=True)
    assert (outcome.updated, outcome.deleted) == (count - 1, 1)


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_stores_of_one_source_never_duplicate(business_a):
    source = make_source(business_a)
    fetched = reviews(40)
    outcomes, errors = [], []

    def run() -> None:
        try:
            outcomes.append(reviews_store(source=source, fetched=fetched, complete=True))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert Review.objects.filter(source=source).count() == 40
    assert sorted(o.created for o in outcomes) == [0, 0, 0, 40]


# --- Poll now -------------------------------------------------------------------------


def test_poll_now_claims_the_source_once(source_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as sent:
        assert source_poll_now(source=source_a) is True
        assert source_poll_now(source=source_a) is False  # already under way
    assert len(sent) == 1
    source_a.refresh_from_db()
    assert timezone.now() < source_a.claimed_until <= timezone.now() + LEASE
    assert source_a.next_poll_at is None  # the schedule is the poll's to set


def test_poll_now_works_for_a_source_polled_every_five_minutes(
    business_a, django_capture_on_commit_callbacks
):
    # Just polled: the next poll is 5 minutes away, less than a claim's lease.
    source = make_source(
        business_a, poll_interval_minutes=5, next_poll_at=timezone.now() + timedelta(minutes=5)
    )
    with django_capture_on_commit_callbacks() as sent:
        assert source_poll_now(source=source) is True
    assert len(sent) == 1
    # Once the claim's lease is over (its poll died), it may be claimed again.
    ReviewSource.objects.filter(pk=source.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert source_poll_now(source=source) is True


@pytest.mark.parametrize(
    "fields",
    [{"archived_at": NOW}, {"is_active": False}, {"provider": Provider.MANUAL}],
    ids=["archived", "paused", "manual"],
)
def test_poll_now_refuses_sources_that_are_not_polled(
    business_a, fields, django_capture_on_commit_callbacks
):
    source = make_source(business_a, **fields)
    with django_capture_on_commit_callbacks() as sent:
        assert source_poll_now(source=source) is False
    assert sent == []
