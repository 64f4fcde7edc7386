"""An alert can be explained from its inputs: which rule fired (threshold and score,
urgent terms matched, low star rating) and the business's settings in force."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.template.defaultfilters import floatformat
from django.utils import timezone

from reputation.connectors.base import FetchedReview
from reputation.services import reviews_store
from reputation.sources.services import source_create
from tests.helpers import answer
from textanalysis.configuration import insight_settings_update
from textanalysis.models import LOW_RATING_UP_TO, Alert, AlertReason
from textanalysis.services import insight_settings_for

pytestmark = pytest.mark.django_db


def raise_from_comment(survey, text: str, capture) -> Alert:
    with capture(execute=True):
        answer(survey, 2, text)
    return Alert.objects.get(business=survey.business)


def row(html: str, rule: str) -> tuple[str, str]:
    """(the row's opening tag, its text) for one rule of the explanation."""
    match = re.search(rf'(<tr id="rule-{rule}"[^>]*>)(.*?)</tr>', html, re.DOTALL)
    assert match, rule
    return match.group(1), " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(2))).split())


def page(client, alert: Alert) -> str:
    reply = client.get(f"/insights/alerts/{alert.uuid}/")
    assert reply.status_code == 200
    return reply.content.decode()


def term_found(term: str, text: str) -> bool:
    words = r"\s+".join(re.escape(w) for w in term.rstrip("*").split())
    ending = r"\w*" if term.endswith("*") else r"\b"
    return re.search(rf"\b{words}{ending}", text, re.IGNORECASE) is not None


def test_a_strongly_negative_text_shows_its_score_against_the_threshold(
    survey_a, business_a, alice, client_of, django_capture_on_commit_callbacks
):
    alert = raise_from_comment(
        survey_a,
        "Rude staff, awful coffee, terrible experience.",
        django_capture_on_commit_callbacks,
    )
    threshold = insight_settings_for(business_a).alert_threshold
    assert alert.reason == AlertReason.NEGATIVE
    tag, text = row(page(client_of(alice), alert), "negative")
    assert "rule--fired" in tag
    holds = "Yes" if alert.score <= threshold else "No"
    assert text.endswith(
        f"Threshold {floatformat(threshold, 2)} Score {floatformat(alert.score, 4)} {holds}"
    )
    _, urgent = row(page(client_of(alice), alert), "urgent")
    assert urgent.endswith("None of them No")


def test_the_setting_shown_is_the_one_in_force_now(
    survey_a, business_a, alice, client_of, django_capture_on_commit_callbacks
):
    alert = raise_from_comment(
        survey_a,
        "Rude staff, awful coffee, terrible experience.",
        django_capture_on_commit_callbacks,
    )
    stricter = round(alert.score - 0.05, 2)
    insight_settings_update(business=business_a, alert_threshold=stricter)
    html = page(client_of(alice), alert)
    _, text = row(html, "negative")
    assert text.endswith(
        f"Threshold {floatformat(stricter, 2)} Score {floatformat(alert.score, 4)} No"
    )
    assert "your settings now" in html


def test_an_urgent_matter_names_the_terms_it_matched_and_the_list(
    survey_a, business_a, bob, client_of, django_capture_on_commit_callbacks
):
    text = "Fine coffee, but I want my money back: the milk made me sick."
    alert = raise_from_comment(survey_a, text, django_capture_on_commit_callbacks)
    urgent_terms = insight_settings_for(business_a).urgent_terms
    matched = [term for term in urgent_terms if term_found(term, text)]
    assert alert.reason == AlertReason.URGENT and len(matched) >= 2
    html = page(client_of(bob), alert)  # every member opens alerts
    tag, row_text = row(html, "urgent")
    assert "rule--fired" in tag
    assert f"Mentions: {', '.join(alert.terms)} Yes" in row_text
    assert sorted(alert.terms) == sorted(matched)
    assert f"{len(urgent_terms)} terms" in row_text
    listed = re.search(r'<p class="urgent-terms">(.*?)</p>', html).group(1)
    assert unescape(listed) == ", ".join(urgent_terms)


def test_a_low_star_review_names_its_stars_and_the_limit(
    business_a, alice, client_of, django_capture_on_commit_callbacks
):
    source = source_create(business=business_a, provider="manual", values={"name": "Yelp"})
    stars = LOW_RATING_UP_TO - 1 or 1
    fetched = FetchedReview(
        external_id="y-1", published_at=timezone.now() - timedelta(hours=1), rating=stars,
        text="Lovely place.",
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        reviews_store(source=source, fetched=[fetched], complete=False, by_hand=True)
    alert = Alert.objects.get(business=business_a)
    assert alert.reason == AlertReason.LOW_RATING
    tag, text = row(page(client_of(alice), alert), "low-rating")
    assert "rule--fired" in tag
    limit = (
        f"{LOW_RATING_UP_TO} star or fewer"
        if LOW_RATING_UP_TO == 1
        else (f"{LOW_RATING_UP_TO} stars or fewer")
    )
    said = f"{stars} star" if stars == 1 else f"{stars} stars"
    assert text.endswith(f"{limit} {said} Yes")


def test_outsiders_get_404(
    survey_a, business_a, charlie, business_b, client_of, django_capture_on_commit_callbacks
):
    alert = raise_from_comment(
        survey_a,
        "Rude staff, awful coffee, terrible experience.",
        django_capture_on_commit_callbacks,
    )
    assert client_of(charlie).get(f"/insights/alerts/{alert.uuid}/").status_code == 404
