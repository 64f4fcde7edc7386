"""Google Business Profile connector over real HTTP against the local provider server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from reputation.connectors import paging
from reputation.connectors.base import CredentialsRejected, SourceError
from reputation.connectors.google import TOKEN_URL, GoogleConnector
from reputation.providerserver import SiteReview

from .conftest import SITE_IDS, list_path, sample_reviews, site_connector

LOCATION = SITE_IDS["google"]


def list_requests(server) -> list[dict]:
    return [
        {k: v[-1] for k, v in parse_qs(urlsplit(path).query).items()}
        for path in server.paths("GET")
        if urlsplit(path).path == list_path("google", LOCATION)
    ]


def test_it_reads_every_page_on_a_first_poll(make_provider_server):
    server = make_provider_server(page_size=10)
    server.put_reviews("google", LOCATION, sample_reviews(25))
    result = site_connector(server, "google").fetch({})
    assert sorted(r.external_id for r in result.reviews) == sorted(f"r{i}" for i in range(25))
    assert result.complete is True
    asked = list_requests(server)
    assert len(asked) == 3
    assert asked[0] == {"pageSize": "50", "orderBy": "updateTime desc"}
    assert asked[1]["pageToken"] == "10"


def test_it_maps_the_review_fields(provider_server):
    created = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    provider_server.put_reviews(
        "google",
        LOCATION,
        [
            SiteReview(
                "abc", 2, "Cold <b>latte</b>", author="Marie", created=created,
                updated=created + timedelta(days=1), reply="Sorry!", reply_at=created
                + timedelta(days=2),
            ),
            SiteReview("plain", None, "", author="Jo", created=created),
        ],
    )  # fmt: skip
    result = site_connector(provider_server, "google").fetch({})
    by_id = {r.external_id: r for r in result.reviews}
    edited = by_id["abc"]
    assert (edited.rating, edited.text, edited.author_name) == (2, "Cold <b>latte</b>", "Marie")
    assert edited.published_at == created
    assert edited.edited_at == created + timedelta(days=1)
    assert (edited.reply_text, edited.replied_at) == ("Sorry!", created + timedelta(days=2))
    # STAR_RATING_UNSPECIFIED is a known value meaning "no stars", not a bad item.
    assert by_id["plain"].rating is None
    assert by_id["plain"].edited_at is None
    assert result.skipped == []


def test_a_later_poll_reads_only_what_changed(make_provider_server):
    server = make_provider_server(page_size=10)
    reviews = sample_reviews(25)
    server.put_reviews("google", LOCATION, reviews)
    connector = site_connector(server, "google")
    first = connector.fetch({})
    reviews[3].updated = datetime.now(UTC).replace(microsecond=0)
    reviews[3].text = "Edited: better now."
    server.add_review("google", LOCATION, SiteReview("new", 5, "Lovely", created=datetime.now(UTC)))
    server.requests.clear()
    second = site_connector(server, "google").fetch(first.cursor)
    # r24 was the newest change seen: the boundary is read again, so a review changed in
    # that same instant is never missed (storing it twice is harmless).
    assert {r.external_id for r in second.reviews} == {"new", "r3", "r24"}
    assert second.complete is False
    assert len(list_requests(server)) == 1  # stopped on the first page
    assert second.cursor["full_walk_at"] == first.cursor["full_walk_at"]


def test_it_walks_everything_once_a_day(provider_server):
    provider_server.put_reviews("google", LOCATION, sample_reviews(5))
    first = site_connector(provider_server, "google").fetch({})
    stale = dict(first.cursor, full_walk_at=(datetime.now(UTC) - timedelta(days=2)).isoformat())
    again = site_connector(provider_server, "google").fetch(stale)
    assert again.complete is True
    assert len(again.reviews) == 5
    assert again.cursor["full_walk_at"] > stale["full_walk_at"]


def test_an_expired_token_is_refreshed_once_and_handed_back(provider_server):
    provider_server.put_reviews("google", LOCATION, sample_reviews(2))
    provider_server.google_access_tokens.clear()  # the stored token has expired
    result = site_connector(provider_server, "google").fetch({})
    assert len(result.reviews) == 2
    new_token = result.refreshed_secrets["access_token"]
    assert new_token in provider_server.google_access_tokens
    assert result.refreshed_secrets["refresh_token"] == "google-refresh-token"
    assert provider_server.paths("POST") == ["/token"]
    form = parse_qs(provider_server.requests[1][3].decode())
    assert form["grant_type"] == ["refresh_token"]
    assert form["client_id"] == ["demo-client"]


def test_a_refused_refresh_asks_to_reconnect(provider_server):
    provider_server.put_reviews("google", LOCATION, sample_reviews(2))
    provider_server.google_access_tokens.clear()
    provider_server.google_refresh_tokens.clear()  # revoked by the owner
    with pytest.raises(CredentialsRejected, match="reconnect"):
        site_connector(provider_server, "google").fetch({})


def test_without_a_refresh_token_a_401_is_rejected_credentials(provider_server):
    provider_server.put_reviews("google", LOCATION, sample_reviews(1))
    provider_server.google_access_tokens.clear()
    secrets = {"access_token": "old"}
    with pytest.raises(CredentialsRejected):
        site_connector(provider_server, "google", secrets=secrets).fetch({})
    assert provider_server.paths("POST") == []


def test_a_missing_access_token_is_fetched_before_the_first_call(provider_server):
    provider_server.put_reviews("google", LOCATION, sample_reviews(1))
    secrets = {"refresh_token": "google-refresh-token", "client_id": "c", "client_secret": "s"}
    result = site_connector(provider_server, "google", secrets=secrets).fetch({})
    assert len(result.reviews) == 1
    assert result.refreshed_secrets["access_token"] in provider_server.google_access_tokens


def test_a_reply_is_put_on_the_review(provider_server):
    provider_server.put_reviews("google", LOCATION, sample_reviews(2))
    connector = site_connector(provider_server, "google")
    assert connector.can_reply is True
    replied_at = connector.post_reply(external_id="r1", text="Thank you, <Marie>!")
    assert provider_server.replies == {("google", LOCATION, "r1"): "Thank you, <Marie>!"}
    assert abs(replied_at - datetime.now(UTC)) < timedelta(minutes=1)
    method, path, _headers, body = provider_server.requests[-1]
    assert (method, path) == ("PUT", f"/v4/{LOCATION}/reviews/r1/reply")
    assert json.loads(body) == {"comment": "Thank you, <Marie>!"}


def test_a_reply_with_an_expired_token_refreshes_it(provider_server):
    provider_server.put_reviews("google", LOCATION, sample_reviews(1))
    provider_server.google_access_tokens.clear()
    connector = site_connector(provider_server, "google")
    connector.post_reply(external_id="r0", text="Thanks")
    assert provider_server.replies[("google", LOCATION, "r0")] == "Thanks"
    assert connector.refreshed_secrets["access_token"] in provider_server.google_access_tokens


def test_an_unknown_star_value_skips_only_that_review(provider_server):
    good = {"reviewId": "ok", "starRating": "FIVE", "createTime": "2025-01-02T03:04:05Z"}
    odd = {"reviewId": "odd", "starRating": "SIX", "createTime": "2025-01-02T03:04:05Z"}
    body = json.dumps({"reviews": [good, odd], "totalReviewCount": 2}).encode()
    provider_server.set_raw(list_path("google", LOCATION), body)
    result = site_connector(provider_server, "google").fetch({})
    assert [r.external_id for r in result.reviews] == ["ok"]
    assert len(result.skipped) == 1
    assert "odd" in result.skipped[0]
    assert "SIX" in result.skipped[0]


def test_a_location_without_reviews_is_an_empty_complete_listing(provider_server):
    provider_server.put_reviews("google", LOCATION, [])
    result = site_connector(provider_server, "google").fetch({})
    assert (result.reviews, result.complete) == ([], True)


def test_a_malformed_location_name_is_refused_before_any_request(provider_server):
    with pytest.raises(SourceError, match="accounts/123/locations/456"):
        site_connector(provider_server, "google", business_id="../../admin").fetch({})
    assert provider_server.requests == []


def test_an_unknown_location_is_a_plain_error(provider_server):
    with pytest.raises(SourceError, match="404"):
        site_connector(provider_server, "google", business_id="accounts/9/locations/9").fetch({})


def test_the_token_endpoint_follows_the_base_url():
    real = GoogleConnector(external_id=LOCATION)
    local = GoogleConnector(external_id=LOCATION, base_url="http://127.0.0.1:8765/")
    assert real._token_url() == TOKEN_URL
    assert local._token_url() == "http://127.0.0.1:8765/token"


def test_a_long_list_carries_on_from_its_page_token(make_provider_server, monkeypatch):
    monkeypatch.setattr(paging, "MAX_PAGES", 2)
    server = make_provider_server(page_size=10)
    server.put_reviews("google", LOCATION, sample_reviews(25))
    first = site_connector(server, "google").fetch({})
    assert (len(first.reviews), first.complete, first.cursor["walk"]["start"]) == (20, False, "20")
    assert "full_walk_at" not in first.cursor or first.cursor["full_walk_at"] is None
    second = site_connector(server, "google").fetch(first.cursor)
    assert (len(second.reviews), second.complete) == (5, True)
    assert len(second.listed_before) == 20
    assert [r.get("pageToken") for r in list_requests(server)] == [None, "10", "20"]


def test_an_expired_page_token_starts_the_walk_again(provider_server):
    provider_server.put_reviews("google", LOCATION, sample_reviews(3))
    cursor = {"walk": {"start": "50", "since": None, "ids": ["gone-long-ago"], "skipped": 1}}
    provider_server.fail_next("google", LOCATION, status=400)
    result = site_connector(provider_server, "google").fetch(cursor)
    assert (len(result.reviews), result.complete) == (3, True)
    assert result.listed_before == [] and result.skipped == []
    assert [r.get("pageToken") for r in list_requests(provider_server)] == ["50", None]


def test_an_odd_walk_in_the_cursor_is_ignored(provider_server):
    provider_server.put_reviews("google", LOCATION, sample_reviews(2))
    cursor = {"walk": {"start": "x", "ids": "not a list"}, "full_walk_at": None}
    result = site_connector(provider_server, "google").fetch(cursor)
    assert (len(result.reviews), result.complete) == (2, True)
