"""Yelp Fusion connector over real HTTP against the local provider server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reputation.connectors.base import CredentialsRejected, ReplyNotSupported, SourceError
from reputation.connectors.yelp import YelpConnector
from reputation.providerserver import SiteReview

from .conftest import SITE_IDS, sample_reviews, site_connector

BUSINESS = SITE_IDS["yelp"]


def test_it_reads_the_three_newest_excerpts_and_is_never_complete(provider_server):
    provider_server.put_reviews("yelp", BUSINESS, sample_reviews(6))
    result = site_connector(provider_server, "yelp").fetch({})
    assert [r.external_id for r in result.reviews] == ["r5", "r4", "r3"]
    assert result.complete is False
    method, path, headers, _body = provider_server.requests[0]
    assert (method, path) == ("GET", f"/v3/businesses/{BUSINESS}/reviews")
    assert headers["Authorization"] == "Bearer yelp-key"


def test_pacific_times_are_read_as_such(provider_server):
    # 2025-07-01 20:15 UTC is 13:15 in Los Angeles (summer time), as Yelp writes it.
    written = datetime(2025, 7, 1, 20, 15, 7, tzinfo=UTC)
    review = SiteReview("y1", 3, "Fine", author="Sam", created=written)
    provider_server.put_reviews("yelp", BUSINESS, [review])
    result = site_connector(provider_server, "yelp").fetch({})
    assert provider_server.reviews("yelp", BUSINESS)[0].created == written
    fetched = result.reviews[0]
    assert fetched.published_at == written
    assert (fetched.rating, fetched.author_name, fetched.text) == (3, "Sam", "Fine")
    assert fetched.url.startswith("https://www.yelp.com/biz/")


def test_a_long_text_arrives_as_an_excerpt(provider_server):
    long_text = "Great pastries. " * 30
    provider_server.put_reviews("yelp", BUSINESS, [SiteReview("y1", 5, long_text)])
    fetched = site_connector(provider_server, "yelp").fetch({}).reviews[0]
    assert fetched.text.endswith("...")
    assert len(fetched.text) <= 160


def test_a_wrong_key_is_rejected_credentials(provider_server):
    provider_server.put_reviews("yelp", BUSINESS, sample_reviews(1))
    with pytest.raises(CredentialsRejected):
        site_connector(provider_server, "yelp", secrets={"api_key": "nope"}).fetch({})


def test_an_unknown_business_is_a_plain_error(provider_server):
    with pytest.raises(SourceError, match="404"):
        site_connector(provider_server, "yelp", business_id="nobody").fetch({})


def test_replies_are_not_supported_and_the_limit_is_said(provider_server):
    connector = site_connector(provider_server, "yelp")
    assert connector.can_reply is False
    with pytest.raises(ReplyNotSupported):
        connector.post_reply(external_id="y1", text="Thanks")
    assert "three" in str(YelpConnector.limits_note)
    assert provider_server.requests == []
