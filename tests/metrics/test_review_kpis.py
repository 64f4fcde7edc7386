"""Online reviews on the dashboard and in /api/v1/metrics/reviews/, against hand counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.services import location_create
from reputation.models import ReplyStatus
from tests.reputation.factories import ReviewFactory, ReviewSourceFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/metrics/reviews/"
H, D = timedelta(hours=1), timedelta(days=1)


@pytest.fixture
def reviews_a(business_a):
    """This period: four reviews (one removed from its site), two answered after 2 and
    6 hours; the previous period: one review, answered on the site."""
    now = timezone.now()
    source = ReviewSourceFactory(business=business_a)

    def review(age, rating, **fields):
        return ReviewFactory(business=business_a, source=source, created_at=now - age,
                             rating=rating, **fields)  # fmt: skip

    review(3 * D, 5, reply_status=ReplyStatus.POSTED, replied_at=now - 3 * D + 2 * H)
    review(4 * D, 1, reply_status=ReplyStatus.COPIED, replied_at=now - 4 * D + 6 * H)
    review(5 * D, 2)
    review(6 * D, 1, deleted_at=now)
    review(40 * D, 4, reply_status=ReplyStatus.ON_SITE, replied_at=now - 39 * D)
    return source


def test_the_api_counts_the_periods_reviews_and_replies(client_of, alice, reviews_a):
    body = client_of(alice).get(API).json()
    assert body["current"] == {
        "reviews": 3,
        "average_rating": round((5 + 1 + 2) / 3, 2),
        "replied": 2,
        "replied_percent": 66.7,
        "median_hours_to_reply": 4.0,
        "unreplied_low_ratings": 1,
    }
    assert body["previous"]["reviews"] == 1
    assert body["previous"]["replied_percent"] == 100.0


def test_the_location_filter_applies(client_of, alice, business_a, reviews_a):
    elsewhere = location_create(business=business_a, name="Harbour kiosk")
    ReviewFactory(business=business_a, location=elsewhere, created_at=timezone.now() - D)
    body = client_of(alice).get(API, {"location": str(elsewhere.uuid)}).json()
    assert body["current"]["reviews"] == 1


def test_bad_filters_are_refused_by_name(client_of, alice, reviews_a):
    reply = client_of(alice).get(API, {"location": "nowhere", "stars": "5"})
    assert reply.status_code == 400
    errors = reply.json()["errors"]
    assert "location" in errors
    assert "stars" in " ".join(errors["filters"])


def test_an_outsider_sees_only_their_own_business(client_of, charlie, business_b, reviews_a):
    body = client_of(charlie).get(API).json()
    assert body["current"]["reviews"] == 0


def test_an_outsiders_location_is_no_such_location(
    client_of, charlie, business_a, business_b, reviews_a
):
    theirs = location_create(business=business_a, name="Not charlie's")
    reply = client_of(charlie).get(API, {"location": str(theirs.uuid)})
    assert reply.status_code == 400
    assert "location" in reply.json()["errors"]


def test_staff_may_not_read_it(client_of, bob, reviews_a):
    assert client_of(bob).get(API).status_code == 403


def test_the_dashboard_shows_the_figures_and_links_the_unanswered(client_of, alice, reviews_a):
    page = client_of(alice).get("/dashboard/").content.decode()
    assert 'id="reviews-count">3<' in page
    assert 'id="reviews-replied">66.7%<' in page
    assert 'id="reviews-median">4 h<' in page
    assert "1 review of one or two stars has no answer yet." in page
    assert "/reviews/?replied=no" in page


def test_the_dashboard_explains_an_empty_period(client_of, alice, business_a):
    page = client_of(alice).get("/dashboard/").content.decode()
    assert "No review was written in this period" in page
