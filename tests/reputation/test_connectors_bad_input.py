"""What a misbehaving or hostile site sends, for every connector, over real HTTP:
each ends as a SourceError of the right kind or a skipped item, never anything else."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from reputation.connectors.base import (
    AddressRefused,
    MalformedPayload,
    ProviderUnavailable,
    RateLimited,
)
from reputation.providerserver import SiteReview

from .conftest import SITE_IDS, list_path, sample_reviews, site_connector

PROVIDERS = ["google", "yelp", "trustpilot", "tripadvisor", "feed"]
JSON_PROVIDERS = ["google", "yelp", "trustpilot", "tripadvisor"]
# Where each site puts its list of reviews and how it names the fields.
LIST_KEY = {"google": "reviews", "yelp": "reviews", "trustpilot": "reviews", "tripadvisor": "data"}


def site_item(provider: str, review_id: object, when: object, text: object = "ok") -> dict:
    if provider == "google":
        return {"reviewId": review_id, "starRating": "FOUR", "createTime": when, "comment": text}
    if provider == "yelp":
        return {"id": review_id, "rating": 4, "time_created": when, "text": text}
    if provider == "trustpilot":
        return {"id": review_id, "stars": 4, "createdAt": when, "text": text}
    return {"id": review_id, "rating": 4, "published_date": when, "text": text}


def serve_items(server, provider: str, items: list) -> None:
    body = json.dumps({LIST_KEY[provider]: items}).encode()
    server.set_raw(list_path(provider, SITE_IDS[provider]), body)


def fetch(server, provider: str):
    return site_connector(server, provider).fetch({})


@pytest.mark.parametrize("provider", JSON_PROVIDERS)
def test_a_truncated_json_body_is_malformed(provider_server, provider):
    path = list_path(provider, SITE_IDS[provider])
    provider_server.set_raw(path, b'{"reviews": [{"id": "1", "rating": 4, "te')
    with pytest.raises(MalformedPayload, match="JSON"):
        fetch(provider_server, provider)


@pytest.mark.parametrize("provider", JSON_PROVIDERS)
@pytest.mark.parametrize("body", [b"[]", b'"reviews"', b"null", b'{"reviews": {"a": 1}}',
                                  b'{"data": "x", "reviews": 7}'])  # fmt: skip
def test_a_wrong_top_level_shape_is_malformed(provider_server, provider, body):
    provider_server.set_raw(list_path(provider, SITE_IDS[provider]), body)
    with pytest.raises(MalformedPayload, match="shape"):
        fetch(provider_server, provider)


@pytest.mark.parametrize("provider", ["yelp", "trustpilot", "tripadvisor"])
def test_a_missing_review_list_is_malformed(provider_server, provider):
    provider_server.set_raw(list_path(provider, SITE_IDS[provider]), b'{"total": 3}')
    with pytest.raises(MalformedPayload):
        fetch(provider_server, provider)


@pytest.mark.parametrize("provider", JSON_PROVIDERS)
def test_odd_items_are_skipped_and_the_rest_stored(provider_server, provider):
    good = site_item(provider, "good", "2025-01-02T03:04:05Z", "<script>alert('x')</script>")
    items = [
        good,
        site_item(provider, None, "2025-01-02T03:04:05Z"),  # no id
        site_item(provider, "nodate", None),
        site_item(provider, "baddate", "the 3rd of never"),
        site_item(provider, "future", "2999-01-01T00:00:00Z"),
        site_item(provider, {"nested": 1}, "2025-01-02T03:04:05Z"),  # an id that is no id
        "not an object",
        None,
        {**site_item(provider, "wrongtypes", "2025-01-02T03:04:05Z", ["a", "list"]),
         "user": "x", "consumer": 5, "reviewer": [], "reviewReply": "no"},
    ]  # fmt: skip
    serve_items(provider_server, provider, items)
    result = fetch(provider_server, provider)
    kept = {r.external_id: r for r in result.reviews}
    assert set(kept) == {"good", "wrongtypes"}
    # Customer text is stored exactly as given; templates escape it when shown.
    assert kept["good"].text == "<script>alert('x')</script>"
    assert kept["wrongtypes"].text == ""
    assert len(result.skipped) == 7
    assert all(isinstance(reason, str) and reason for reason in result.skipped)
    assert any("baddate" in reason and "no usable date" in reason for reason in result.skipped)


@pytest.mark.parametrize("provider", ["yelp", "trustpilot", "tripadvisor"])
@pytest.mark.parametrize("stars", [0, 6, "five", 4.5, None, True])
def test_a_star_rating_outside_1_to_5_skips_the_review(provider_server, provider, stars):
    item = site_item(provider, "odd", "2025-01-02T03:04:05Z")
    item["stars" if provider == "trustpilot" else "rating"] = stars
    serve_items(provider_server, provider, [item, site_item(provider, "ok", "2025-01-02")])
    result = fetch(provider_server, provider)
    assert [r.external_id for r in result.reviews] == ["ok"]
    assert "odd" in result.skipped[0]


@pytest.mark.parametrize("provider", ["google", "trustpilot", "tripadvisor"])
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-01-02T03:04:05Z", datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2025-01-02T03:04:05", datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2025-01-02T03:04:05.5Z", datetime(2025, 1, 2, 3, 4, 5, 500000, tzinfo=UTC)),
        ("2025-01-02T03:04:05.123456789Z", datetime(2025, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)),
        ("2025-01-02T05:04:05+02:00", datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2025-01-02 03:04:05", datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2025-01-02", datetime(2025, 1, 2, tzinfo=UTC)),
        ("Thu, 02 Jan 2025 03:04:05 GMT", datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("Thu, 02 Jan 2025 04:04:05 +0100", datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ],
)
def test_dates_in_odd_formats_are_read(provider_server, provider, raw, expected):
    serve_items(provider_server, provider, [site_item(provider, "d", raw)])
    assert fetch(provider_server, provider).reviews[0].published_at == expected


def test_yelp_times_without_a_zone_are_pacific(provider_server):
    serve_items(provider_server, "yelp", [site_item("yelp", "d", "2025-01-02 03:04:05")])
    published = fetch(provider_server, "yelp").reviews[0].published_at
    assert published == datetime(2025, 1, 2, 11, 4, 5, tzinfo=UTC)  # PST is UTC-8 in January


@pytest.mark.parametrize("provider", JSON_PROVIDERS)
def test_nul_characters_and_huge_names_fit_the_database(provider_server, provider):
    item = site_item(provider, "n", "2025-01-02T03:04:05Z", "bad\x00byte")
    name = "N" * 5000
    item.update({"reviewer": {"displayName": name}, "user": {"name": name, "username": name},
                 "consumer": {"displayName": name}, "title": "T" * 5000})  # fmt: skip
    serve_items(provider_server, provider, [item])
    fetched = fetch(provider_server, provider).reviews[0]
    assert fetched.text == "badbyte"
    assert len(fetched.author_name) <= 200
    assert len(fetched.title) <= 300


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_429_is_rate_limited_with_its_retry_after(provider_server, provider):
    provider_server.put_reviews(provider, SITE_IDS[provider], sample_reviews(1))
    provider_server.fail_next(provider, SITE_IDS[provider], status=429,
                              headers={"Retry-After": "120"})  # fmt: skip
    with pytest.raises(RateLimited) as caught:
        fetch(provider_server, provider)
    assert caught.value.retry_after == 120
    assert caught.value.transient is True
    assert len(fetch(provider_server, provider).reviews) == 1  # the next poll works


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_server_error_is_provider_unavailable(provider_server, provider, status):
    provider_server.put_reviews(provider, SITE_IDS[provider], sample_reviews(1))
    provider_server.fail_next(provider, SITE_IDS[provider], status=status, body=b"<html>oops")
    with pytest.raises(ProviderUnavailable):
        fetch(provider_server, provider)


@pytest.mark.parametrize("provider", ["google", "feed"])
def test_a_timeout_is_provider_unavailable(make_provider_server, settings, provider):
    server = make_provider_server(latency=1.5)
    server.put_reviews(provider, SITE_IDS[provider], sample_reviews(1))
    settings.OUTBOUND_TIMEOUT_SECONDS = 1
    with pytest.raises(ProviderUnavailable, match="No answer"):
        fetch(server, provider)


def test_a_site_that_is_down_is_provider_unavailable(make_provider_server):
    server = make_provider_server()
    connector = site_connector(server, "yelp")
    server.stop()
    with pytest.raises(ProviderUnavailable):
        connector.fetch({})


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_10_mb_answer_is_refused(provider_server, provider):
    body = b'{"reviews": [' + b" " * (10 * 1024 * 1024) + b"]}"
    provider_server.set_raw(list_path(provider, SITE_IDS[provider]), body)
    with pytest.raises(MalformedPayload, match="limit"):
        fetch(provider_server, provider)


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("target", ["http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/"])
def test_a_redirect_to_a_private_address_is_refused(provider_server, provider, target):
    path = list_path(provider, SITE_IDS[provider])
    provider_server.set_raw(path, b"", status=302, headers={"Location": target})
    with pytest.raises(AddressRefused, match="private or local"):
        fetch(provider_server, provider)
    assert len(provider_server.requests) == 1  # the private address was never contacted


@pytest.mark.parametrize("provider", PROVIDERS)
def test_loopback_is_refused_unless_allowed(provider_server, settings, provider):
    provider_server.put_reviews(provider, SITE_IDS[provider], sample_reviews(1))
    settings.OUTBOUND_ALLOW_LOOPBACK = False
    with pytest.raises(AddressRefused):
        fetch(provider_server, provider)
    assert provider_server.requests == []


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><item><guid>1</guid><title>&lol9;</title>
<pubDate>Thu, 02 Jan 2025 03:04:05 GMT</pubDate></item></channel></rss>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><item><guid>1</guid><description>&xxe;</description>
<pubDate>Thu, 02 Jan 2025 03:04:05 GMT</pubDate></item></channel></rss>"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["bomb", "xxe"])
def test_a_feed_declaring_entities_is_refused(provider_server, body):
    provider_server.set_raw("/feeds/cafe.xml", body, content_type="application/rss+xml")
    with pytest.raises(MalformedPayload, match="entities"):
        fetch(provider_server, "feed")


def test_a_google_page_token_that_never_ends_is_stopped(make_provider_server):
    server = make_provider_server()
    item = site_item("google", "loop", "2025-01-02T03:04:05Z")
    body = json.dumps({"reviews": [item], "nextPageToken": "same"}).encode()
    server.set_raw(list_path("google", SITE_IDS["google"]), body)
    with pytest.raises(MalformedPayload, match="page token"):
        fetch(server, "google")
    assert len(server.requests) == 2


def test_trustpilot_links_to_another_host_are_not_followed(provider_server):
    reviews = [SiteReview("t1", 5, "ok", created=datetime(2025, 1, 2, tzinfo=UTC))]
    provider_server.put_reviews("trustpilot", SITE_IDS["trustpilot"], reviews)
    item = site_item("trustpilot", "t1", "2025-01-02T03:04:05Z")
    link = {"rel": "next-page", "href": "http://169.254.169.254/steal?apikey="}
    body = json.dumps({"reviews": [item], "links": [link]}).encode()
    provider_server.set_raw(f"{list_path('trustpilot', SITE_IDS['trustpilot'])}?page=1"
                            "&perPage=100&orderBy=createdat.desc", body)  # fmt: skip
    result = fetch(provider_server, "trustpilot")
    assert [r.external_id for r in result.reviews] == ["t1"]  # page 2 (ours) is empty
    second = provider_server.requests[1][1]
    assert second.startswith(list_path("trustpilot", SITE_IDS["trustpilot"]) + "?page=2")
