"""Tripadvisor Content API connector over real HTTP against the local provider server."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from reputation.connectors.base import CredentialsRejected, ReplyNotSupported, SourceError
from reputation.providerserver import SiteReview

from .conftest import SITE_IDS, sample_reviews, site_connector

LOCATION = SITE_IDS["tripadvisor"]


def test_it_reads_the_five_most_recent_and_is_never_complete(provider_server):
    provider_server.put_reviews("tripadvisor", LOCATION, sample_reviews(8))
    result = site_connector(provider_server, "tripadvisor").fetch({})
    assert [r.external_id for r in result.reviews] == ["r7", "r6", "r5", "r4", "r3"]
    assert result.complete is False
    path = provider_server.requests[0][1]
    assert urlsplit(path).path == f"/api/v1/location/{LOCATION}/reviews"
    assert parse_qs(urlsplit(path).query)["key"] == ["ta-key"]


def test_it_maps_the_review_and_the_owner_response(provider_server):
    written = datetime(2025, 5, 4, 12, 0, tzinfo=UTC)
    review = SiteReview(
        "987654", 1, "Waited <script>alert(1)</script> an hour", author="TravelBug",
        title="Slow", created=written, reply="We are sorry.", reply_at=written,
    )  # fmt: skip
    provider_server.put_reviews("tripadvisor", LOCATION, [review])
    fetched = site_connector(provider_server, "tripadvisor").fetch({}).reviews[0]
    assert fetched.external_id == "987654"  # a number on the wire, text here
    assert fetched.text == "Waited <script>alert(1)</script> an hour"
    assert (fetched.rating, fetched.title, fetched.author_name) == (1, "Slow", "TravelBug")
    assert (fetched.published_at, fetched.language) == (written, "en")
    assert (fetched.reply_text, fetched.replied_at) == ("We are sorry.", written)


def test_a_wrong_key_is_rejected_credentials(provider_server):
    provider_server.put_reviews("tripadvisor", LOCATION, sample_reviews(1))
    with pytest.raises(CredentialsRejected):
        site_connector(provider_server, "tripadvisor", secrets={"api_key": "x"}).fetch({})


def test_a_location_id_must_be_a_number(provider_server):
    with pytest.raises(SourceError, match="number"):
        site_connector(provider_server, "tripadvisor", business_id="../admin").fetch({})
    assert provider_server.requests == []


def test_replies_are_not_supported(provider_server):
    connector = site_connector(provider_server, "tripadvisor")
    assert connector.can_reply is False
    with pytest.raises(ReplyNotSupported):
        connector.post_reply(external_id="1", text="Thanks")
