"""Stored cross-site scripting: hostile text in every place customer or outside text
enters (answers and comments, contact e-mails, customers' names, e-mails, phones and
tags, interaction notes and outcomes, case notes, reviews typed in and imported,
reply drafts, imported customer CSVs) and in what owners type (survey titles,
questions, choices, stages, touchpoints, aspects, locations, review sites).

The database keeps it exactly as sent. Every GET page of business A, walked from the
URL resolver, shows it escaped (HTML, attributes, the JSON handed to charts); the
e-mails show it escaped in their HTML part and as typed in their text part. Links
that would run script (javascript:) are refused where a link is stored.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils.html import escape

from reputation.models import Review, ReviewSource

from .hostile_world import DANGEROUS_MARKUP, World, build_world, stored_texts
from .page_walk import all_routes, urls

pytestmark = pytest.mark.django_db

# Pages and the hostile text each must show (escaped): the walk must not pass merely
# because a page stopped showing the customer's words.
MUST_SHOW = {
    "customers:list": ["customer.name", "import.name"],
    "customers:detail": [
        "customer.name",
        "customer.email",
        "customer.phone",
        "customer.tag",
        "purchase.order_reference",
    ],
    "interactions:list": ["interaction.note"],
    "interactions:detail": ["interaction.note", "interaction.outcome"],
    "cases:list": ["customer.name"],
    "cases:detail": ["case.note", "answer.comment"],
    "metrics:dashboard": ["answer.comment", "answer.default_comment", "survey.name"],
    "journeys:map": ["stage.name", "touchpoint.name", "aspect.name", "answer.comment"],
    "journeys:print": ["stage.name", "touchpoint.name", "answer.default_comment"],
    "textanalysis:alerts": ["answer.comment", "interaction.note", "review.text"],
    "reputation:inbox": ["review.author", "review.text", "csv_review.text"],
    "reputation:review": ["review.title", "review.text", "review.draft"],
    "builder:edit": ["survey.name", "question.prompt", "question.choice"],
    "feedback:survey": ["survey.intro", "survey.privacy_note", "question.choice"],
    "reputation:sources": ["source.name"],
    "textanalysis:settings": ["aspect.name"],
}


@pytest.fixture
def world(business_a, alice, django_capture_on_commit_callbacks) -> World:
    return build_world(business_a, alice, capture=django_capture_on_commit_callbacks)


def raw_markup(html: str) -> list[str]:
    """Hostile markup that reached the page unescaped (would run in a browser)."""
    found = [marker for marker in DANGEROUS_MARKUP if marker in html]
    links = r"(?:href|src|action|formaction)\s*=\s*[\"']?\s*javascript:"
    return found + re.findall(links, html, flags=re.IGNORECASE)


def shown_escaped(html: str, label: str) -> bool:
    """The field's payload is on the page, as text (its call, with escaped quotes)."""
    return escape(f'xss("{label}")') in html or escape(f"xss('{label}')") in html


def test_hostile_text_is_stored_exactly_as_given(world):
    stored = stored_texts(world)
    assert stored == {label: world.sent[label] for label in stored}
    assert len(stored) >= 25


def test_every_page_shows_it_escaped(world):
    owner = Client()
    owner.force_login(world.owner)
    pages: dict[str, str] = {}
    for route in all_routes():
        for url in urls(route, world):
            reply = owner.get(url)
            assert reply.status_code < 500, (url, reply.status_code)
            if reply.status_code != 200 or "html" not in reply.get("Content-Type", ""):
                continue
            html = reply.content.decode()
            assert not raw_markup(html), (url, raw_markup(html))
            pages[route.name] = pages.get(route.name, "") + html
    missing = {
        name: [label for label in labels if not shown_escaped(pages.get(name, ""), label)]
        for name, labels in MUST_SHOW.items()
    }
    assert not {name: labels for name, labels in missing.items() if labels}, missing
    # Shown whole, template syntax and all, as typed (not evaluated, not normalised).
    assert escape(world.sent["customer.name"]) in pages["customers:detail"]
    assert escape(world.sent["interaction.note"]) in pages["interactions:detail"]
    everywhere = "".join(pages.values())
    unseen = [label for label in world.sent if not shown_escaped(everywhere, label)]
    # Shown nowhere by design: the imported file's name is not shown.
    assert set(unseen) <= {"import.file_name"}, unseen


def test_json_for_the_charts_is_escaped(world):
    """Stage names reach the journey chart as JSON inside the page: json_script escapes
    <, > and &, so the text cannot close the script element, and reads back exactly."""
    owner = owner_client(world)
    html = owner.get("/journeys/").content.decode()
    pattern = r'<script id="journey-chart-data" type="application/json">(.*?)</script>'
    data = re.search(pattern, html, flags=re.S)[1]
    assert "<" not in data and "\\u003Cimg src=x onerror=xss" in data
    names = [stage["name"] for stage in json.loads(data)["stages"]]
    assert world.sent["stage.name"] in names


def test_emails_escape_html_and_keep_text_as_typed(world):
    """Invitations and review requests greet the customer by name; alerts quote what
    the customer wrote. The HTML part escapes it; the text part is plain text and
    shows it exactly; subjects are plain text too."""
    name = world.sent["customer.name"]
    greeted = [m for m in world.outbox if m.to == [world.customer.email]]
    assert len(greeted) == 2  # the invitation and the review request
    for message in greeted:
        assert name in message.body
        ((html, _type),) = message.alternatives
        assert escape(name) in html
        assert not raw_markup(html)
    subjects = {message.subject for message in greeted}
    assert subjects == {"How was your visit to Alice's Café?", "Would you review Alice's Café?"}
    alerts = [m for m in world.outbox if m.to != [world.customer.email]]
    assert any(world.sent["answer.comment"] in m.body for m in alerts)
    assert all(not m.alternatives or not raw_markup(m.alternatives[0][0]) for m in alerts)


# --- Links that would run script are refused where links are stored -------------------


def owner_client(world: World) -> Client:
    client = Client()
    client.force_login(world.owner)
    return client


def api(world: World) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Api-Key {world.api_key}")


def test_a_javascript_link_is_refused_wherever_a_link_is_stored(world):
    evil = "javascript:alert(document.cookie)"
    client = api(world)
    refusals = {
        "review_page_url": client.patch(
            f"/api/v1/review-sources/{world.source.uuid}/", {"review_page_url": evil},
            content_type="application/json",
        ),
        "webhook_url": client.patch(
            "/api/v1/insight-settings/", {"webhook_url": evil}, content_type="application/json"
        ),
        "embed_origins": client.patch(
            f"/api/v1/surveys/{world.survey.uuid}/", {"embed_origins": [evil]},
            content_type="application/json",
        ),
    }  # fmt: skip
    for field, reply in refusals.items():
        assert reply.status_code == 400, field
        assert field in reply.json()["errors"], field
    assert not ReviewSource.objects.filter(review_page_url__startswith="javascript").exists()


def test_a_javascript_review_link_is_refused_typed_in_or_imported(world):
    owner = owner_client(world)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    typed = owner.post(
        "/reviews/sources/add-review/",
        {"source": str(world.source.uuid), "rating": "5", "date": yesterday, "text": "Fine",
         "url": "javascript:alert(1)"},
    )  # fmt: skip
    assert typed.status_code == 400
    rows = io.StringIO()
    csv.writer(rows).writerows(
        [["date", "text", "url"], [yesterday, "Imported", "JaVaScRiPt:alert(1)"]]
    )
    upload = io.BytesIO(rows.getvalue().encode())
    upload.name = "reviews.csv"
    imported = owner.post(
        "/reviews/sources/import/", {"source": str(world.source.uuid), "file": upload}
    )
    assert imported.status_code == 400
    assert b"url" in imported.content
    assert not Review.objects.filter(url__icontains="script").exists()
    assert Review.objects.filter(source=world.source).count() == 2  # the world's two


def test_outsiders_see_none_of_it(world, charlie, business_b, client_of):
    """The hostile text is business A's: charlie of business B gets 404 for its pages."""
    outsider = client_of(charlie)
    pages = [f"/customers/{world.customer.uuid}/", f"/reviews/{world.review.uuid}/",
             f"/cases/{world.case.uuid}/", f"/interactions/{world.interaction.uuid}/"]  # fmt: skip
    for url in pages:
        assert outsider.get(url).status_code == 404, url
