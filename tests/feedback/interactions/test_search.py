"""Searching interactions: the customer's name, e-mail or phone and what happened."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.factories import CustomerFactory, InteractionFactory

pytestmark = pytest.mark.django_db

LIST = "/interactions/"
API = "/api/v1/interactions/"


@pytest.fixture
def logged(business_a, bob, mia):
    dana = CustomerFactory(
        business=business_a, name="Dana Lee", email="dana@corner.example", phone="+44 7700 900123"
    )
    kim = CustomerFactory(business=business_a, name="Kim Park", email="kim@example.com", phone="")
    return {
        "dana": InteractionFactory(
            business=business_a, staff=bob, customer=dana, note="Spilled a flat white."
        ),
        "kim": InteractionFactory(
            business=business_a, staff=mia, customer=kim, note="Asked about OAT milk."
        ),
        "walk_in": InteractionFactory(
            business=business_a, staff=bob, customer=None, note="A friend of dana's left a tip."
        ),
    }


def notes(html: str) -> set[str]:
    """The notes listed, as the reader sees them (words are highlighted in markup)."""
    items = re.findall(r'<ul class="comments">(.*?)</ul>', html, re.S)
    text = unescape(re.sub(r"<[^>]+>", "", items[0])) if items else ""
    return {note for note in NOTES if note in text}


NOTES = ["Spilled a flat white.", "Asked about OAT milk.", "A friend of dana's left a tip."]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("DANA", {"Spilled a flat white.", "A friend of dana's left a tip."}),  # name, note
        ("Corner.EXAMPLE", {"Spilled a flat white."}),  # e-mail
        ("900123", {"Spilled a flat white."}),  # phone
        ("oat milk", {"Asked about OAT milk."}),  # what happened, any case
        ("  park ", {"Asked about OAT milk."}),  # spaces around are not searched for
        ("", set(NOTES)),
    ],
)
def test_it_searches_the_customer_and_what_happened(bob, client_of, logged, query, found):
    reply = client_of(bob).get(LIST, {"q": query})
    assert reply.status_code == 200
    assert notes(reply.content.decode()) == found


def test_the_box_has_a_label_and_keeps_what_was_searched(bob, client_of, logged):
    html = client_of(bob).get(LIST, {"q": "dana"}).content.decode()
    assert '<form method="get" class="inline-form card" role="search"' in html
    assert '<label for="interaction-q">Search interactions</label>' in html
    assert 'type="search" name="q" id="interaction-q" value="dana"' in html


def test_it_combines_with_mine_and_the_tabs_keep_the_search(bob, client_of, logged):
    client = client_of(bob)
    html = client.get(LIST, {"q": "a", "mine": "1"}).content.decode()
    assert notes(html) == {"Spilled a flat white.", "A friend of dana's left a tip."}
    assert '<input type="hidden" name="mine" value="1">' in html  # a new search stays in Mine
    assert 'href="?q=a"' in html  # Everyone's, same search
    assert notes(client.get(LIST, {"q": "oat", "mine": "1"}).content.decode()) == set()
    html = client.get(LIST, {"q": "oat"}).content.decode()
    assert notes(html) == {"Asked about OAT milk."}
    assert 'href="?q=oat&amp;mine=1"' in html


def test_the_pager_keeps_the_search(business_a, bob, client_of):
    for n in range(26):
        InteractionFactory(business=business_a, note=f"Latte number {n}")
    InteractionFactory(business=business_a, note="Espresso, not a match")
    client = client_of(bob)
    first = client.get(LIST, {"q": "latte"}).content.decode()
    assert "Page 1 of 2" in first
    assert 'href="?q=latte&amp;page=2"' in first
    second = client.get(LIST, {"q": "latte", "page": "2"}).content.decode()
    assert "Page 2 of 2" in second and "Latte number 0" in second
    assert "Espresso" not in second


def test_no_match_says_so_escaped_and_offers_to_clear(bob, client_of, logged):
    html = client_of(bob).get(LIST, {"q": "<b>cake</b>", "mine": "1"}).content.decode()
    assert "No interaction matches your search." in html
    assert "Nothing logged matches “&lt;b&gt;cake&lt;/b&gt;”." in html
    assert "<b>cake</b>" not in html
    assert '<a class="button button--quiet button--small" href="?mine=1">Clear the search</a>' in (
        html
    )
    assert "No interactions logged yet." not in html


def test_a_very_long_search_is_cut_not_refused(bob, client_of, logged):
    reply = client_of(bob).get(LIST, {"q": "x" * 5000})
    assert reply.status_code == 200
    assert 'value="' + "x" * 100 + '"' in reply.content.decode()


def test_it_hides_other_businesses(business_a, charlie, business_b, client_of, logged):
    theirs = CustomerFactory(business=business_b, name="Dana Other")
    InteractionFactory(business=business_b, customer=theirs, note="Salon visit, oat milk too")
    client = client_of(charlie)
    for query in ("dana", "oat", "corner.example", "900123"):
        html = client.get(LIST, {"q": query}).content.decode()
        assert notes(html) == set()
        assert "Dana Lee" not in html and "flat white" not in html
        results = client.get(API, {"q": query}).json()["results"]
        assert all(r["note"] == "Salon visit, oat milk too" for r in results)
    assert [r["note"] for r in client.get(API, {"q": "oat"}).json()["results"]] == [
        "Salon visit, oat milk too"
    ]


class TestApi:
    def test_it_searches_with_q(self, bob, client_of, logged):
        client = client_of(bob)
        found = client.get(API, {"q": "DANA"}).json()["results"]
        assert {r["uuid"] for r in found} == {
            str(logged["dana"].uuid),
            str(logged["walk_in"].uuid),
        }
        assert [r["uuid"] for r in client.get(API, {"q": "oat"}).json()["results"]] == [
            str(logged["kim"].uuid)
        ]
        assert len(client.get(API).json()["results"]) == 3

    def test_a_search_too_long_is_refused_naming_the_field(self, bob, client_of, logged):
        reply = client_of(bob).get(API, {"q": "x" * 101})
        assert reply.status_code == 400
        assert reply.json()["errors"] == {"q": ["At most 100 characters."]}

    def test_the_search_is_documented(self, alice, client_of):
        schema = client_of(alice).get("/api/schema/").content.decode()
        section = schema[schema.index("/api/v1/interactions/:") :]
        assert "name: q" in section[: section.index("post:")]
