"""Fixtures for the reputation tests: a local review-site server over real HTTP and
connectors pointed at it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from reputation.connectors import CONNECTORS
from reputation.connectors.base import Connector
from reputation.providerserver import ProviderServer, SiteReview

# Credentials the ProviderServer accepts by default, per provider.
SITE_SECRETS: dict[str, dict[str, str]] = {
    "google": {
        "access_token": "google-access-token",
        "refresh_token": "google-refresh-token",
        "client_id": "demo-client",
        "client_secret": "demo-secret",
    },
    "yelp": {"api_key": "yelp-key"},
    "trustpilot": {
        "api_key": "tp-key",
        "business_user_token": "tp-business-token",
        "business_user_id": "bu-1",
    },
    "tripadvisor": {"api_key": "ta-key"},
    "feed": {},
}
# One business id per provider, in each site's own form.
SITE_IDS: dict[str, str] = {
    "google": "accounts/1/locations/2",
    "yelp": "cafe-lumiere-lyon",
    "trustpilot": "5f1e2d3c4b5a",
    "tripadvisor": "12345",
    "feed": "cafe",
}


def sample_reviews(count: int, *, prefix: str = "r", rating: int | None = 4) -> list[SiteReview]:
    """`count` reviews an hour apart, the newest an hour ago; ids prefix0, prefix1..."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=count + 1)
    return [
        SiteReview(
            id=f"{prefix}{index}",
            rating=rating,
            text=f"Review number {index}: the coffee was good.",
            author=f"Guest {index}",
            title=f"Visit {index}",
            created=start + timedelta(hours=index),
        )
        for index in range(count)
    ]


def list_path(provider: str, business_id: str) -> str:
    """The path a connector reads reviews from (for ProviderServer.set_raw)."""
    return {
        "google": f"/v4/{business_id}/reviews",
        "yelp": f"/v3/businesses/{business_id}/reviews",
        "trustpilot": f"/v1/business-units/{business_id}/reviews",
        "tripadvisor": f"/api/v1/location/{business_id}/reviews",
        "feed": f"/feeds/{business_id}.xml",
    }[provider]


def site_connector(
    server: ProviderServer,
    provider: str,
    business_id: str | None = None,
    secrets: dict | None = None,
) -> Connector:
    """The provider's connector aimed at `server` (a feed's external id is its URL)."""
    business_id = business_id or SITE_IDS[provider]
    external_id = server.feed_url(business_id) if provider == "feed" else business_id
    return CONNECTORS[provider](
        external_id=external_id,
        base_url=server.url,
        secrets=SITE_SECRETS[provider] if secrets is None else secrets,
    )


@pytest.fixture
def provider_server(settings):
    """A ProviderServer on 127.0.0.1 (a free port), with loopback fetches allowed."""
    settings.OUTBOUND_ALLOW_LOOPBACK = True
    with ProviderServer() as server:
        yield server


@pytest.fixture
def make_provider_server(settings) -> Callable[..., ProviderServer]:
    """Start servers with options (`latency`, `page_size`); all are stopped at the end."""
    settings.OUTBOUND_ALLOW_LOOPBACK = True
    servers: list[ProviderServer] = []

    def make(**options) -> ProviderServer:
        server = ProviderServer(**options).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()
