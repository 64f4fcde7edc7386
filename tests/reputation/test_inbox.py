from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Location
from metrics.filters import Period
from reputation.models import Provider, ReplyStatus, ReviewRevision
from reputation.selectors import reply_summary
from tests.reputation.factories import ReviewFactory, ReviewSourceFactory, scored

pytestmark = pytest.mark.django_db

INBOX = "/reviews/"


def page(client, query: str = "") -> str:
    reply = client.get(f"{INBOX}?{query}")
    assert reply.status_code == 200, reply.content.decode()[:500]
    return reply.content.decode()


class TestWhoSeesWhat:
    def test_every_member_reads_the_inbox(self, business_a, bob, client_of):
        ReviewFactory(business=business_a, text="Best cortado in town.")
        html = page(client_of(bob))
        assert "Best cortado in town." in html
        assert f'href="{INBOX}"' in html  # the nav link

    def test_it_hides_other_businesses(self, business_a, business_b, charlie, client_of):
        theirs = ReviewFactory(business=business_a, text="A secret review of the café.")
        ReviewFactory(business=business_b, text="A review of the salon.")
        client = client_of(charlie)
        html = page(client)
        assert "A review of the salon." in html and "A secret review" not in html
        assert client.get(f"{INBOX}{theirs.uuid}/").status_code == 404
        post = client.post(f"{INBOX}{theirs.uuid}/reply/", {"action": "save", "text": "x"})
        assert post.status_code == 404

    def test_a_source_of_another_business_is_no_filter(self, business_a, business_b, alice,
                                                       client_of):  # fmt: skip
        other = ReviewSourceFactory(business=business_b)
        reply = client_of(alice).get(f"{INBOX}?source={other.uuid}")
        assert reply.status_code == 400
        assert "This business has no such review source." in reply.content.decode()

    def test_anonymous_visitors_sign_in_first(self, client):
        assert client.get(INBOX).status_code == 302


class TestList:
    def test_newest_first_with_stars_source_location_and_reply_status(self, business_a, alice,
                                                                      client_of):  # fmt: skip
        shop = Location.objects.create(business=business_a, name="Old Town")
        source = ReviewSourceFactory(business=business_a, name="Our Google page")
        ReviewFactory(business=business_a, source=source, text="Older one.",
                      created_at=timezone.now() - timedelta(days=3))  # fmt: skip
        ReviewFactory(business=business_a, source=source, location=shop, rating=4,
                      text="Newer one.", reply_status=ReplyStatus.POSTED,
                      replied_at=timezone.now())  # fmt: skip
        html = page(client_of(alice))
        assert html.index("Newer one.") < html.index("Older one.")
        assert 'aria-label="4 out of 5 stars"' in html
        assert "Our Google page (Google Business Profile)" in html
        assert "Old Town" in html
        assert "Replied" in html and "Not replied" in html

    def test_customer_text_is_escaped(self, business_a, alice, client_of):
        ReviewFactory(business=business_a, author_name="<b>Eve</b>",
                      text="<script>alert(1)</script>", title="<i>t</i>")  # fmt: skip
        html = page(client_of(alice))
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<b>Eve</b>" not in html and "<i>t</i>" not in html

    def test_judged_words_are_marked_and_aspects_shown(self, business_a, alice, client_of):
        review = ReviewFactory(business=business_a, text="Rude staff, lovely cake.")
        review = scored(review, "negative", -0.3, {"staff": -0.6})
        review.sentiment_explanation["words"] = [[0, 4, -2.0], [12, 18, 2.0]]
        review.save()
        html = page(client_of(alice))
        assert '<mark class="word word--neg"' in html and ">Rude</mark>" in html
        assert ">lovely</mark>" in html
        assert "Staff friendliness" in html
        assert "badge--negative" in html

    def test_removed_reviews_are_hidden_unless_asked(self, business_a, alice, client_of):
        ReviewFactory(business=business_a, text="Gone now.", deleted_at=timezone.now())
        client = client_of(alice)
        assert "Gone now." not in page(client)
        assert "Gone now." in page(client, "deleted=1")

    def test_yelp_reviews_come_with_the_sites_limits(self, business_a, alice, client_of):
        yelp = ReviewSourceFactory(business=business_a, provider=Provider.YELP, name="Yelp")
        client = client_of(alice)
        ReviewFactory(business=business_a, text="Google review.")
        assert "gives at most three review excerpts" not in page(client, "rating=4")
        ReviewFactory(business=business_a, source=yelp, rating=2, url="https://yelp.example/r/1")
        html = page(client)
        assert "gives at most three review excerpts" in html
        assert "An excerpt: Yelp does not give the full text." in html
        assert "gives at most three review excerpts" not in page(client, "rating=4")

    def test_pages_keep_the_filters(self, business_a, alice, client_of):
        for _ in range(26):
            ReviewFactory(business=business_a, rating=5)
        ReviewFactory(business=business_a, rating=1)
        html = page(client_of(alice), "rating=5")
        assert "?rating=5&amp;page=2" in html
        assert "Page 1 of 2" in html

    def test_the_page_costs_the_same_queries_for_5_or_25_reviews(
        self, business_a, alice, client_of, django_assert_max_num_queries
    ):
        client = client_of(alice)
        for _ in range(5):
            ReviewFactory(business=business_a)
        page(client)  # the aspects of the industry are created on the first visit
        with django_assert_max_num_queries(14) as few:
            page(client)
        for _ in range(20):
            ReviewFactory(business=business_a, source=ReviewSourceFactory(business=business_a))
        with django_assert_max_num_queries(len(few.captured_queries)):
            page(client)


class TestFilters:
    @pytest.fixture
    def reviews(self, business_a):
        shop = Location.objects.create(business=business_a, name="Harbour")
        yelp = ReviewSourceFactory(business=business_a, provider=Provider.YELP)
        return {
            "google5": scored(ReviewFactory(business=business_a, rating=5, text="g5"),
                              "positive", 0.7),
            "yelp2": scored(ReviewFactory(business=business_a, source=yelp, rating=2,
                                          location=shop, text="y2"), "negative", -0.5),
            "replied": ReviewFactory(business=business_a, rating=3, text="r3",
                                     reply_status=ReplyStatus.COPIED),
            "shop": shop, "yelp": yelp,
        }  # fmt: skip

    def shown(self, client, query: str) -> set[str]:
        html = page(client, query)
        return {text for text in ("g5", "y2", "r3") if f">{text}<" in html}

    def test_each_filter(self, reviews, alice, client_of):
        client = client_of(alice)
        assert self.shown(client, "") == {"g5", "y2", "r3"}
        assert self.shown(client, f"source={reviews['yelp'].uuid}") == {"y2"}
        assert self.shown(client, "rating=5") == {"g5"}
        assert self.shown(client, f"location={reviews['shop'].uuid}") == {"y2"}
        assert self.shown(client, "replied=yes") == {"r3"}
        assert self.shown(client, "replied=no") == {"g5", "y2"}
        assert self.shown(client, "sentiment=negative") == {"y2"}
        assert self.shown(client, "sentiment=pending") == {"r3"}

    @pytest.mark.parametrize(
        ("query", "message"),
        [
            ("rating=6", "Choose a rating from 1 to 5."),
            ("rating=abc", "Choose a rating from 1 to 5."),
            ("source=not-a-uuid", "This business has no such review source."),
            ("location=1b4e28ba-2fa1-11d2-883f-0016d3cca427",
             "This business has no such location."),
            ("replied=maybe", "Choose “yes” (replied) or “no” (not replied)."),
            ("sentiment=angry", "Choose one of the listed sentiments."),
            ("colour=red", "Unknown filter: colour."),
        ],
    )  # fmt: skip
    def test_bad_values_get_a_clear_message_not_a_500(self, reviews, alice, client_of, query,
                                                      message):  # fmt: skip
        reply = client_of(alice).get(f"{INBOX}?{query}")
        assert reply.status_code == 400
        assert message in reply.content.decode()
        assert ">g5<" not in reply.content.decode()


class TestDetail:
    def test_it_shows_the_review_its_earlier_versions_and_the_sites_reply(
        self, business_a, bob, client_of
    ):
        review = ReviewFactory(business=business_a, text="Edited: fine now.", rating=4,
                               reply_status=ReplyStatus.ON_SITE,
                               reply_text="Thanks <3 from the team",
                               replied_at=timezone.now())  # fmt: skip
        ReviewRevision.objects.create(review=review, rating=1, text="First <em>rant</em>.")
        html = client_of(bob).get(f"{INBOX}{review.uuid}/").content.decode()
        assert "Edited: fine now." in html
        assert "1 earlier version" in html and "First &lt;em&gt;rant&lt;/em&gt;." in html
        assert "The reply on the site" in html and "Thanks &lt;3 from the team" in html
        assert "Time to reply" in html

    def test_staff_read_but_get_no_reply_form(self, business_a, bob, client_of):
        review = ReviewFactory(business=business_a)
        html = client_of(bob).get(f"{INBOX}{review.uuid}/").content.decode()
        assert 'id="reply-form"' not in html

    def test_managers_get_a_suggested_draft_to_edit(self, business_a, mia, client_of):
        review = scored(ReviewFactory(business=business_a, rating=1, author_name="Tom K."),
                        "negative", -0.5, {"wait_time": -0.5})  # fmt: skip
        html = client_of(mia).get(f"{INBOX}{review.uuid}/").content.decode()
        assert 'id="reply-form"' in html and "Tom," in html and "mia@a.example" in html
        assert "reputation/reply.js" in html

    def test_a_saved_draft_is_shown_instead_of_a_suggestion(self, business_a, mia, client_of):
        review = ReviewFactory(business=business_a, reply_draft="My own words so far")
        html = client_of(mia).get(f"{INBOX}{review.uuid}/").content.decode()
        assert "My own words so far" in html

    def test_a_junk_uuid_is_404(self, business_a, alice, client_of):
        missing = f"{INBOX}1b4e28ba-2fa1-11d2-883f-0016d3cca427/"
        assert client_of(alice).get(missing).status_code == 404


def march(business, first: int, last: int) -> dict:
    """reply_summary's bounds for local days `first` to `last` of March 2025, both in."""
    start_at, end_at = Period(date(2025, 3, first), date(2025, 3, last)).bounds(business)
    return {"start_at": start_at, "end_at": end_at}


class TestReplySummary:
    """The dashboard's reply figures, from the database (PostgreSQL and SQLite alike)."""

    def written(self, business, day: int, hours_to_reply: float | None = None, **fields):
        created = datetime(2025, 3, day, 12, tzinfo=ZoneInfo(business.time_zone))
        replied = {}
        if hours_to_reply is not None:
            replied = {"reply_status": ReplyStatus.POSTED,
                       "replied_at": created + timedelta(hours=hours_to_reply)}  # fmt: skip
        return ReviewFactory(business=business, created_at=created, **replied, **fields)

    def test_the_figures_of_a_period(self, business_a, business_b):
        self.written(business_a, 2, rating=5, hours_to_reply=2)
        self.written(business_a, 3, rating=4, hours_to_reply=10)
        self.written(business_a, 4, rating=1, hours_to_reply=30)
        self.written(business_a, 5, rating=2)  # unreplied, low
        self.written(business_a, 6, rating=1, reply_status=ReplyStatus.FAILED)  # unreplied, low
        self.written(business_a, 7, rating=3, reply_status=ReplyStatus.COPIED,
                     replied_at=None)  # replied, but no time to count  # fmt: skip
        self.written(business_a, 8, rating=1, deleted_at=timezone.now())  # gone: left out
        self.written(business_a, 20, rating=1)  # after the period
        self.written(business_b, 3, rating=1)  # another business
        summary = reply_summary(business=business_a, **march(business_a, 1, 10))
        assert summary == {
            "reviews": 6,
            "average_rating": round(16 / 6, 2),
            "replied": 4,
            "replied_percent": 66.7,
            "median_hours_to_reply": 10.0,
            "unreplied_low_ratings": 2,
        }

    def test_an_even_count_takes_the_mean_of_the_middle_two(self, business_a):
        for day, hours in ((2, 1), (3, 3), (4, 5), (5, 100)):
            self.written(business_a, day, hours_to_reply=hours)
        summary = reply_summary(business=business_a, **march(business_a, 1, 31))
        assert summary["median_hours_to_reply"] == 4.0

    def test_a_location_and_an_empty_period(self, business_a):
        shop = Location.objects.create(business=business_a, name="Dock")
        self.written(business_a, 2, rating=5, location=shop, hours_to_reply=6)
        self.written(business_a, 2, rating=1)
        at_shop = reply_summary(business=business_a, location=shop, **march(business_a, 1, 3))
        assert (at_shop["reviews"], at_shop["replied_percent"]) == (1, 100.0)
        start_at, end_at = Period(date(2024, 1, 1), date(2024, 1, 2)).bounds(business_a)
        empty = reply_summary(business=business_a, start_at=start_at, end_at=end_at)
        assert empty == {"reviews": 0, "average_rating": None, "replied": 0,
                         "replied_percent": None, "median_hours_to_reply": None,
                         "unreplied_low_ratings": 0}  # fmt: skip

    def test_it_is_one_query_on_postgresql(self, business_a, django_assert_max_num_queries):
        self.written(business_a, 2, hours_to_reply=3)
        queries = 1 if connection.vendor == "postgresql" else 2
        with django_assert_max_num_queries(queries):
            reply_summary(business=business_a, **march(business_a, 1, 3))
