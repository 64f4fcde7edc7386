"""Trustpilot: business-unit reviews (GET /v1/business-units/{id}/reviews, API key in
the `apikey` header), newest first, page by page while the answer links a next page.

Reads stop at the first review older than the last poll's newest; once a day every page
is read, so deleted reviews and edits to old ones are noticed (a long listing over
several polls, see paging). Replies go through the private endpoint with a business
user's OAuth token, so replying needs that token among the source's credentials.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from django.utils.translation import gettext_lazy as _

from . import paging
from .base import Connector, FetchedReview, FetchResult, ReplyNotSupported, SourceError
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
)

SITE = "Trustpilot"
PER_PAGE = 100
REVIEW_PAGE = "https://www.trustpilot.com/reviews/{id}"


class TrustpilotConnector(Connector):
    provider = "trustpilot"
    default_base_url = "https://api.trustpilot.com"
    # The site takes replies by API; an instance says False when its source has no
    # business-user token (see __init__).
    can_reply = True
    limits_note = _(
        "Trustpilot gives every review. Replies are published on Trustpilot only when "
        "a business user's access token is among the credentials; otherwise reply on "
        "Trustpilot."
    )
    secret_fields = (
        ("api_key", _("API key")),
        ("business_user_token", _("Business user access token (for replies)")),
        ("business_user_id", _("Business user id (for replies)")),
    )
    optional_secrets = frozenset({"business_user_token", "business_user_id"})
    external_id_label = _("Business unit id")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.can_reply = bool(self.secrets.get("business_user_token"))

    # --- reading ------------------------------------------------------------------------

    def fetch(self, cursor: dict) -> FetchResult:
        now = paging.now_utc()
        walk = paging.walk_for(cursor, now)
        done = paging.read(walk, self._list_page, changed=_created, deadline=self.deadline)
        return paging.result(cursor, walk, done, now=now, changed=_created)

    def _list_page(self, page_number: paging.Position) -> paging.Page:
        # The next page is asked for by number on our own base URL, not by following the
        # link's address, so a payload cannot send the API key to another host.
        number = page_number if isinstance(page_number, int) and page_number > 0 else 1
        url = f"{self.base_url}/v1/business-units/{quote(self._unit_id(), safe='')}/reviews"
        params = {"page": number, "perPage": PER_PAGE, "orderBy": "createdat.desc"}
        headers = {"apikey": self.secrets.get("api_key", "")}
        reply = self.request("GET", url, params=params, headers=headers)
        page = json_page(self.json(reply), "reviews", self._read_review, site=SITE)
        # The end is where the site sends no items or no next link, whether or not we
        # could read the items: a page of unreadable ones is not the end of the listing.
        last = not page.items or not _has_next_page(page.payload)
        return paging.Page(page.reviews, page.skipped, next=None if last else number + 1)

    def _read_review(self, item: dict) -> FetchedReview:
        review_id = id_of(item.get("id"), site=SITE)
        created = date_of(item.get("createdAt"), site=SITE, review_id=review_id)
        updated = parse_when(item.get("updatedAt"))
        reply = mapping(item.get("companyReply"))
        return FetchedReview(
            external_id=review_id,
            published_at=created,
            rating=stars_of(item.get("stars"), site=SITE, review_id=review_id),
            text=text_of(item.get("text")),
            title=cut(item.get("title"), MAX_TITLE),
            author_name=cut(mapping(item.get("consumer")).get("displayName"), MAX_AUTHOR),
            url=REVIEW_PAGE.format(id=quote(review_id, safe="")),
            language=cut(item.get("language"), MAX_LANGUAGE),
            edited_at=updated if updated and updated > created else None,
            reply_text=text_of(reply.get("text")),
            replied_at=parse_when(reply.get("updatedAt")) or parse_when(reply.get("createdAt")),
        )

    def _unit_id(self) -> str:
        if not self.external_id.strip():
            raise SourceError("The Trustpilot business unit id is missing.")
        return self.external_id.strip()

    # --- replying -----------------------------------------------------------------------

    def post_reply(self, *, external_id: str, text: str) -> datetime | None:
        token = self.secrets.get("business_user_token", "")
        if not token:
            raise ReplyNotSupported(
                "Replying through Trustpilot needs a business user's access token in this "
                "source's credentials; add one, or copy the reply and post it on Trustpilot."
            )
        url = f"{self.base_url}/v1/private/reviews/{quote(external_id, safe='')}/reply"
        body = {"message": text}
        if self.secrets.get("business_user_id"):
            body["authorBusinessUserId"] = self.secrets["business_user_id"]
        self.request("POST", url, headers={"Authorization": f"Bearer {token}"}, json_body=body)
        return None  # Trustpilot answers 201 with no body and no time


def _created(review: FetchedReview) -> datetime:
    return review.published_at  # the listing is sorted by creation time


def _has_next_page(payload: dict) -> bool:
    links = payload.get("links")
    if not isinstance(links, list):
        return False
    return any(isinstance(link, dict) and link.get("rel") == "next-page" for link in links)
