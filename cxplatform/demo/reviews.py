"""The demo business's review sources: one per site, pointed at the local stand-in
that `manage.py review_provider_server` runs (`make demo` starts it), due at once so
the first poll fills the inbox. Seeding never polls."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import Business, Location
from cxplatform import vault
from reputation.models import Provider, ReviewSource
from reputation.providerserver.demo import DEMO_IDS, DEMO_SECRETS, DEMO_URL

SOURCE_NAMES = {
    Provider.GOOGLE: "Google - High Street",
    Provider.YELP: "Yelp",
    Provider.TRUSTPILOT: "Trustpilot",
    Provider.TRIPADVISOR: "Tripadvisor",
    Provider.FEED: "Local guide (RSS feed)",
}
# The secret whose end the page shows after entry, per site.
HINTED = {"google": "refresh_token", "yelp": "api_key", "trustpilot": "api_key",
          "tripadvisor": "api_key"}  # fmt: skip


def review_sources_create(*, business: Business, location: Location | None) -> list[ReviewSource]:
    now = timezone.now()
    sources = [demo_source(business, location, provider, now) for provider in SOURCE_NAMES]
    return ReviewSource.objects.bulk_create(sources)


def demo_source(business: Business, location: Location | None, provider: str, now) -> ReviewSource:
    secrets = DEMO_SECRETS[provider]
    external_id = DEMO_IDS[provider]
    if provider == Provider.FEED:
        external_id = f"{DEMO_URL}/feeds/{external_id}.xml"  # a feed's id is its URL
    return ReviewSource(
        business=business,
        provider=provider,
        name=SOURCE_NAMES[provider],
        location=location,
        external_id=external_id,
        base_url="" if provider == Provider.FEED else DEMO_URL,
        secrets_encrypted=vault.encrypt(secrets) if secrets else "",
        secret_hint=vault.hint(secrets[HINTED[provider]]) if provider in HINTED else "",
        poll_interval_minutes=5,
        next_poll_at=now,
    )
