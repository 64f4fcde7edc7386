"""Tripadvisor Content API: GET /api/v1/location/{id}/reviews?key=...

The Content API gives the five most recent reviews of a location and has no reply
endpoint, so a poll is never complete and replies are written on Tripadvisor.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .base import Connector, FetchedReview, FetchResult, SourceError
from .parsing import (
    MAX_AUTHOR,
    MAX_LANGUAGE,
    MAX_TITLE,
    cut,
    date_of,
    id_of,
    json_page,
    mapping,
    parse_when,
    stars_of,
    text_of,
    url_of,
)

SITE = "Tripadvisor"
MAX_REVIEWS = 5


class TripadvisorConnector(Connector):
    provider = "tripadvisor"
    default_base_url = "https://api.content.tripadvisor.com"
    can_reply = False
    limits_note = _(
        "Tripadvisor's Content API gives only the five most recent reviews of a location "
        "and does not accept replies; answer them on Tripadvisor."
    )
    secret_fields = (("api_key", _("Content API key")),)
    optional_secrets = frozenset()
    external_id_label = _("Tripadvisor location id (a number)")

    def fetch(self, cursor: dict) -> FetchResult:
        if not self.external_id.isdigit():
            raise SourceError(
                f"The Tripadvisor location id {self.external_id[:40]!r} should be a number."
            )
        url = f"{self.base_url}/api/v1/location/{self.external_id}/reviews"
        params = {"key": self.secrets.get("api_key", ""), "limit": MAX_REVIEWS}
        reply = self.request("GET", url, params=params)
        page = json_page(self.json(reply), "data", self._read_review, site=SITE)
        return FetchResult(page.reviews, cursor=dict(cursor), complete=False, skipped=page.skipped)

    def _read_review(self, item: dict) -> FetchedReview:
        review_id = id_of(item.get("id"), site=SITE)
        response = mapping(item.get("owner_response"))
        return FetchedReview(
            external_id=review_id,
            published_at=date_of(item.get("published_date"), site=SITE, review_id=review_id),
            rating=stars_of(item.get("rating"), site=SITE, review_id=review_id),
            text=text_of(item.get("text")),
            title=cut(item.get("title"), MAX_TITLE),
            author_name=cut(mapping(item.get("user")).get("username"), MAX_AUTHOR),
            url=url_of(item.get("url")),
            language=cut(item.get("lang"), MAX_LANGUAGE),
            reply_text=text_of(response.get("text")),
            replied_at=parse_when(response.get("published_date")),
        )
