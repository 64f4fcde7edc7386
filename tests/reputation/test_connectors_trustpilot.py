"""Trustpilot connector over real HTTP against the local provider server."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from reputation.connectors import paging
from reputation.connectors.base import CredentialsRejected, ReplyNotSupported
from reputation.connectors.trustpilot import TrustpilotConnector
from reputation.providerserver import SiteReview

from .conftest import SITE_IDS, SITE_SECRETS, list_path, sample_reviews, site_connector

UNIT = SITE_IDS["trustpilot"]


def pages_asked(server) -> list[dict]:
    return [
        {k: v[-1] for k, v in parse_qs(urlsplit(path).query).items()}
        for path in server.paths("GET")
        if urlsplit(path).path == list_path("trustpilot", UNIT)
    ]


def test_it_follows_next_page_links_to_the_end(make_provider_server):
    server = make_provider_server(page_size=10)
    server.put_reviews("trustpilot", UNIT, sample_reviews(25))
    result = site_connector(server, "trustpilot").fetch({})
    assert len({r.external_id for r in result.reviews}) == 25
    assert result.complete is True
    asked = pages_asked(server)
    assert [page["page"] for page in asked] == ["1", "2", "3"]
    assert asked[0]["orderBy"] == "createdat.desc"
    assert server.requests[0][2]["apikey"] == "tp-key"


def test_it_maps_the_review_and_the_company_reply(provider_server):
    written = datetime(2025, 2, 3, 4, 5, 6, tzinfo=UTC)
    review = SiteReview(
        "tp1", 4, "Nice & quick", author="Ana", title="Good", created=written,
        updated=written + timedelta(hours=1), reply="Thanks Ana", reply_at=written,
    )  # fmt: skip
    provider_server.put_reviews("trustpilot", UNIT, [review])
    fetched = site_connector(provider_server, "trustpilot").fetch({}).reviews[0]
    assert (fetched.rating, fetched.title, fetched.text) == (4, "Good", "Nice & quick")
    assert (fetched.author_name, fetched.language) == ("Ana", "en")
    assert fetched.published_at == written
    assert fetched.edited_at == written + timedelta(hours=1)
    assert (fetched.reply_text, fetched.replied_at) == ("Thanks Ana", written)
    assert fetched.url == "https://www.trustpilot.com/reviews/tp1"


def test_a_later_poll_stops_at_what_it_saw(make_provider_server):
    server = make_provider_server(page_size=10)
    server.put_reviews("trustpilot", UNIT, sample_reviews(25))
    first = site_connector(server, "trustpilot").fetch({})
    server.add_review("trustpilot", UNIT, SiteReview("fresh", 1, "Rude staff"))
    server.requests.clear()
    second = site_connector(server, "trustpilot").fetch(first.cursor)
    assert {r.external_id for r in second.reviews} == {"fresh", "r24"}  # r24: the boundary
    assert second.complete is False
    assert len(pages_asked(server)) == 1


def test_it_walks_every_page_once_a_day(provider_server):
    provider_server.put_reviews("trustpilot", UNIT, sample_reviews(3))
    first = site_connector(provider_server, "trustpilot").fetch({})
    old = (datetime.now(UTC) - timedelta(hours=25)).isoformat()
    again = site_connector(provider_server, "trustpilot").fetch(
        dict(first.cursor, full_walk_at=old)
    )
    assert (len(again.reviews), again.complete) == (3, True)


def test_a_wrong_key_is_rejected_credentials(provider_server):
    provider_server.put_reviews("trustpilot", UNIT, sample_reviews(1))
    with pytest.raises(CredentialsRejected):
        site_connector(provider_server, "trustpilot", secrets={"api_key": "x"}).fetch({})


def test_a_reply_goes_through_the_private_endpoint(provider_server):
    provider_server.put_reviews("trustpilot", UNIT, sample_reviews(2))
    connector = site_connector(provider_server, "trustpilot")
    assert connector.can_reply is True
    assert connector.post_reply(external_id="r1", text="Thank you!") is None
    assert provider_server.replies == {("trustpilot", UNIT, "r1"): "Thank you!"}
    method, path, headers, body = provider_server.requests[-1]
    assert (method, path) == ("POST", "/v1/private/reviews/r1/reply")
    assert headers["Authorization"] == "Bearer tp-business-token"
    assert json.loads(body) == {"message": "Thank you!", "authorBusinessUserId": "bu-1"}


def test_without_a_business_user_token_replies_are_not_supported(provider_server):
    provider_server.put_reviews("trustpilot", UNIT, sample_reviews(1))
    connector = site_connector(provider_server, "trustpilot", secrets={"api_key": "tp-key"})
    assert connector.can_reply is False
    assert TrustpilotConnector.can_reply is True  # the site can, with the right token
    with pytest.raises(ReplyNotSupported, match="business user"):
        connector.post_reply(external_id="r0", text="Thanks")
    assert provider_server.requests == []


def test_a_refused_business_token_is_rejected_credentials(provider_server):
    provider_server.put_reviews("trustpilot", UNIT, sample_reviews(1))
    provider_server.trustpilot_business_tokens.clear()
    with pytest.raises(CredentialsRejected):
        site_connector(provider_server, "trustpilot").post_reply(external_id="r0", text="Hi")
    assert provider_server.replies == {}
    assert SITE_SECRETS["trustpilot"]["business_user_token"] == "tp-business-token"


def test_a_page_of_unreadable_reviews_is_not_the_end(make_provider_server):
    server = make_provider_server(page_size=2)
    server.put_reviews("trustpilot", UNIT, sample_reviews(6))
    unreadable = [{"id": "bad1", "stars": 9}, {"id": "bad2"}]
    links = [{"rel": "next-page", "href": "https://elsewhere.example/next", "method": "GET"}]
    query = urlencode({"page": 1, "perPage": 100, "orderBy": "createdat.desc"})
    server.set_raw(
        f"{list_path('trustpilot', UNIT)}?{query}",
        json.dumps({"reviews": unreadable, "links": links}).encode(),
    )
    result = site_connector(server, "trustpilot").fetch({})
    assert [page["page"] for page in pages_asked(server)] == ["1", "2", "3"]
    assert {r.external_id for r in result.reviews} == {"r0", "r1", "r2", "r3"}
    assert len(result.skipped) == 2
    assert result.complete is True  # the listing was read to its end (the skips aside)


def test_a_long_listing_carries_on_from_its_page_number(make_provider_server, monkeypatch):
    monkeypatch.setattr(paging, "MAX_PAGES", 2)
    server = make_provider_server(page_size=2)
    server.put_reviews("trustpilot", UNIT, sample_reviews(7))
    first = site_connector(server, "trustpilot").fetch({})
    assert (len(first.reviews), first.complete) == (4, False)
    assert first.cursor["walk"] == {
        "start": 3, "since": None, "ids": ["r6", "r5", "r4", "r3"], "skipped": 0,
    }  # fmt: skip
    second = site_connector(server, "trustpilot").fetch(first.cursor)
    assert [page["page"] for page in pages_asked(server)] == ["1", "2", "3", "4"]
    assert {r.external_id for r in second.reviews} == {"r2", "r1", "r0"}
    assert second.complete is True
    assert second.listed_before == ["r6", "r5", "r4", "r3"]
    assert "walk" not in second.cursor and second.cursor["full_walk_at"]


def test_a_deadline_ends_the_read_after_the_page_under_way(make_provider_server):
    server = make_provider_server(page_size=1, latency=0.1)
    server.put_reviews("trustpilot", UNIT, sample_reviews(5))
    connector = site_connector(server, "trustpilot")
    connector.deadline = time.monotonic()  # already reached: one page, then stop
    result = connector.fetch({})
    assert ([r.external_id for r in result.reviews], result.complete) == (["r4"], False)
    assert result.cursor["walk"]["start"] == 2
