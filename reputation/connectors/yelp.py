"""Yelp Fusion: GET /v3/businesses/{id}/reviews, with the API key as a bearer token.

Yelp gives at most three review excerpts per business, so a poll never sees the whole
list (complete is never True) and deleted reviews are not detected. Its times are
Pacific time without a zone.
"""

from __future__ import annotations

from urllib.parse import quote

from django.utils.translation import gettext_lazy as _

from .base import Connector, FetchedReview, FetchResult, SourceError
from .parsing import (
    MAX_AUTHOR,
    MAX_LANGUAGE,
    cut,
    date_of,
    id_of,
    json_page,
    mapping,
    stars_of,
    text_of,
    url_of,
)

SITE = "Yelp"

try:
    from zoneinfo import ZoneInfo

    PACIFIC = ZoneInfo("America/Los_Angeles")
except Exception:  # no time-zone database on this machine: an hour or so off, not broken
    from datetime import UTC as PACIFIC


class YelpConnector(Connector):
    provider = "yelp"
    default_base_url = "https://api.yelp.com"
    can_reply = False
    limits_note = _(
        "Yelp's API gives at most three review excerpts per business, not the full text; "
        "open the review on Yelp to read it all. Yelp does not accept replies by API."
    )
    secret_fields = (("api_key", _("API key")),)
    optional_secrets = frozenset()
    external_id_label = _("Yelp business id or alias")

    def fetch(self, cursor: dict) -> FetchResult:
        if not self.external_id.strip():
            raise SourceError("The Yelp business id is missing.")
        url = f"{self.base_url}/v3/businesses/{quote(self.external_id, safe='')}/reviews"
        headers = {"Authorization": f"Bearer {self.secrets.get('api_key', '')}"}
        reply = self.request("GET", url, headers=headers)
        page = json_page(self.json(reply), "reviews", self._read_review, site=SITE)
        return FetchResult(page.reviews, cursor=dict(cursor), complete=False, skipped=page.skipped)

    def _read_review(self, item: dict) -> FetchedReview:
        review_id = id_of(item.get("id"), site=SITE)
        return FetchedReview(
            external_id=review_id,
            published_at=date_of(
                item.get("time_created"), site=SITE, review_id=review_id, naive_zone=PACIFIC
            ),
            rating=stars_of(item.get("rating"), site=SITE, review_id=review_id),
            text=text_of(item.get("text")),
            author_name=cut(mapping(item.get("user")).get("name"), MAX_AUTHOR),
            url=url_of(item.get("url")),
            language=cut(item.get("language"), MAX_LANGUAGE),
        )
