from __future__ import annotations

import pytest
from django.utils.html import strip_tags

from journeys.rollups import local_today
from metrics.filters import KpiFilters, Period
from metrics.selectors import latest_comments, survey_kpis
from tests.helpers import answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def ten_answers(survey_a, django_capture_on_commit_callbacks):
    # 4 promoters (9, 10, 10, 9), 3 passives (7, 8, 8), 3 detractors (0, 5, 6):
    # NPS = 100 * (4 - 3) / 10 = 10.
    with django_capture_on_commit_callbacks(execute=True):
        for score in (9, 10, 10, 9, 7, 8, 8, 0, 5, 6):
            answer(survey_a, score)
        answer(survey_a, 2, "The worst coffee I have ever had. Awful and rude.")
        answer(survey_a, 10, "Wonderful staff, great coffee!")
    return survey_a


def kpis_now(business):
    today = local_today(business)
    return survey_kpis(business=business, filters=KpiFilters(Period(today, today))).current


def test_nps_is_promoters_minus_detractors(ten_answers, business_a):
    nps = kpis_now(business_a).nps
    # With the two commented answers: 5 promoters, 3 passives, 4 detractors of 12.
    assert (nps.promoters, nps.passives, nps.detractors) == (5, 3, 4)
    assert nps.n == 12
    assert nps.score == 100 * (5 - 4) / 12


def test_nps_of_a_business_without_answers_is_unknown(business_a):
    assert kpis_now(business_a).nps.score is None


def test_all_promoters_is_100_and_all_detractors_is_minus_100(survey_a, survey_b):
    for _ in range(3):
        answer(survey_a, 10)
        answer(survey_b, 0)
    assert kpis_now(survey_a.business).nps.score == 100
    assert kpis_now(survey_b.business).nps.score == -100


def test_sentiment_and_latest_comments(ten_answers, business_a):
    kpis = kpis_now(business_a)
    assert kpis.responses == 12
    sentiment = kpis.sentiment
    assert (sentiment.positive, sentiment.neutral, sentiment.negative) == (1, 0, 1)
    newest, older = latest_comments(business=business_a)
    assert newest.text == "Wonderful staff, great coffee!"
    assert newest.nps == 10
    assert older.nps == 2
    assert older.sentiment_label == "negative"


def test_the_dashboard_shows_nps_responses_and_comments(ten_answers, alice, client_of):
    html = client_of(alice).get("/dashboard/").content.decode()
    assert '<p class="kpi__value" id="kpi-nps">8.3</p>' in html  # 100 * (5 - 4) / 12
    assert '<p class="kpi__value" id="kpi-responses">12</p>' in html
    assert "Wonderful staff, great coffee!" in strip_tags(html)  # its words are highlighted
    assert '<mark class="word word--pos"' in html
    assert "badge--negative" in html


def test_the_page_shows_the_figures_of_the_api_never_rounded_twice(survey_a, alice, client_of):
    # 6 promoters, 4 passives, 1 detractor: NPS 45.45..., 45.5 in the API; rounding that
    # again to a whole number would show 46.
    for score in (9, 9, 10, 10, 9, 10, 7, 8, 7, 8, 3):
        answer(survey_a, score)
    client = client_of(alice)
    assert client.get("/api/v1/metrics/kpis/").json()["current"]["nps"]["score"] == 45.5
    html = client.get("/dashboard/").content.decode()
    assert '<p class="kpi__value" id="kpi-nps">45.5</p>' in html


def test_the_dashboard_escapes_customer_text(survey_a, alice, client_of):
    answer(survey_a, 1, '<img src=x onerror="alert(1)">')
    html = client_of(alice).get("/dashboard/").content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_the_dashboard_shows_only_the_own_business(survey_a, survey_b, charlie, client_of):
    answer(survey_a, 10, "Secret praise for Alice")
    answer(survey_b, 0)
    html = client_of(charlie).get("/dashboard/").content.decode()
    assert "Secret praise for Alice" not in html
    assert '<p class="kpi__value" id="kpi-responses">1</p>' in html
    assert '<p class="kpi__value" id="kpi-nps">-100</p>' in html


def test_an_empty_dashboard_explains_itself(business_a, alice, client_of):
    html = client_of(alice).get("/dashboard/").content.decode()
    assert "No scores in this period" in html
    assert "No comments yet" in html


def test_staff_cannot_open_the_dashboard(bob, client_of):
    assert client_of(bob).get("/dashboard/").status_code == 403
