"""Google Business Profile: accounts.locations.reviews (API v4).

reviews.list is read newest change first ("updateTime desc", 50 a page) until a page
reaches what the last poll saw; once a day the whole list is walked so deleted reviews
are noticed (a long list over several polls, see paging). The OAuth access token lasts
an hour: on a 401 it is renewed once with the refresh token, and the new one goes back
to the poller in `refreshed_secrets`.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote

from django.utils.translation import gettext_lazy as _

from cxplatform import outbound

from . import paging
from .base import (
    Connector,
    CredentialsRejected,
    FetchedReview,
    FetchResult,
    MalformedPayload,
    SourceError,
)
from .parsing import (
    MAX_AUTHOR,
    ItemSkipped,
    cut,
    date_of,
    id_of,
    json_page,
    mapping,
    parse_when,
    text_of,
)

SITE = "Google"
TOKEN_URL = "https://oauth2.googleapis.com/token"
PAGE_SIZE = 50
STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}
LOCATION_NAME = re.compile(r"accounts/[A-Za-z0-9_-]+/locations/[A-Za-z0-9_-]+")


class _TokenExpired(CredentialsRejected):
    """A 401: the access token may only have expired, so one refresh is worth a try."""


class _BadRequest(SourceError):
    """A 400: a page token kept from an earlier poll may have expired meanwhile."""


class GoogleConnector(Connector):
    provider = "google"
    default_base_url = "https://mybusiness.googleapis.com"
    can_reply = True
    limits_note = _(
        "Google gives every review with its full text. Replies written here are "
        "published on Google."
    )
    secret_fields = (
        ("access_token", _("OAuth access token")),
        ("refresh_token", _("OAuth refresh token")),
        ("client_id", _("OAuth client id")),
        ("client_secret", _("OAuth client secret")),
    )
    # An access token is renewed from the other three when missing or expired.
    optional_secrets = frozenset({"access_token"})
    external_id_label = _("Location name (accounts/…/locations/…)")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.refreshed_secrets: dict[str, str] | None = None

    # --- reading ------------------------------------------------------------------------

    def fetch(self, cursor: dict) -> FetchResult:
        now = paging.now_utc()
        walk = paging.walk_for(cursor, now)
        try:
            done = paging.read(walk, self._list_page, changed=_changed, deadline=self.deadline)
        except _BadRequest:
            if walk.start is None:
                raise
            # The page token kept from an earlier poll has expired: read from the top.
            walk = paging.Walk(since=walk.since)
            done = paging.read(walk, self._list_page, changed=_changed, deadline=self.deadline)
        return paging.result(
            cursor, walk, done, now=now, changed=_changed, refreshed_secrets=self.refreshed_secrets
        )

    def _list_page(self, token: paging.Position) -> paging.Page:
        params = {"pageSize": PAGE_SIZE, "orderBy": "updateTime desc"}
        if token:
            params["pageToken"] = str(token)
        reply = self._authorized("GET", f"{self._location_url()}/reviews", params=params)
        # Google leaves the list out when there are no reviews.
        page = json_page(self.json(reply), "reviews", self._read_review, site=SITE, required=False)
        next_token = text_of(page.payload.get("nextPageToken"))
        if next_token and next_token == token:
            raise MalformedPayload("Google gave the same page token twice; stopped paging.")
        return paging.Page(page.reviews, page.skipped, next=next_token or None)

    def _read_review(self, item: dict) -> FetchedReview:
        review_id = id_of(item.get("reviewId") or _last_segment(item.get("name")), site=SITE)
        created = date_of(item.get("createTime"), site=SITE, review_id=review_id)
        updated = parse_when(item.get("updateTime"))
        reviewer = mapping(item.get("reviewer"))
        reply = mapping(item.get("reviewReply"))
        return FetchedReview(
            external_id=review_id,
            published_at=created,
            rating=_stars(item.get("starRating"), review_id),
            text=text_of(item.get("comment")),
            author_name=cut(reviewer.get("displayName"), MAX_AUTHOR),
            edited_at=updated if updated and updated > created else None,
            reply_text=text_of(reply.get("comment")),
            replied_at=parse_when(reply.get("updateTime")),
        )

    # --- replying -----------------------------------------------------------------------

    def post_reply(self, *, external_id: str, text: str) -> datetime | None:
        url = f"{self._location_url()}/reviews/{quote(external_id, safe='')}/reply"
        reply = self._authorized("PUT", url, json_body={"comment": text})
        if not reply.body.strip():
            return None
        payload = self.json(reply)
        return parse_when(payload.get("updateTime")) if isinstance(payload, dict) else None

    # --- credentials --------------------------------------------------------------------

    def _authorized(self, method: str, url: str, **kwargs) -> outbound.Reply:
        if not self.secrets.get("access_token"):
            self._refresh_access_token()
        try:
            return self.request(method, url, headers=self._auth_header(), **kwargs)
        except _TokenExpired:
            if self.refreshed_secrets is not None or not self.secrets.get("refresh_token"):
                raise
        self._refresh_access_token()
        return self.request(method, url, headers=self._auth_header(), **kwargs)

    def _auth_header(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secrets.get('access_token', '')}"}

    def _refresh_access_token(self) -> None:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": self.secrets.get("refresh_token", ""),
            "client_id": self.secrets.get("client_id", ""),
            "client_secret": self.secrets.get("client_secret", ""),
        }
        try:
            reply = self.request("POST", self._token_url(), data=form)
        except SourceError as error:
            if error.transient:
                raise
            raise CredentialsRejected(
                "Google refused to renew the access token (the refresh token was revoked or "
                "expired); reconnect the Google source."
            ) from None
        payload = self.json(reply)
        token = payload.get("access_token") if isinstance(payload, dict) else None
        if not isinstance(token, str) or not token:
            raise MalformedPayload("Google's token answer has no access token.")
        self.secrets["access_token"] = token
        self.refreshed_secrets = dict(self.secrets)

    def _token_url(self) -> str:
        # A source pointed at another base URL (the local provider server) gets its token
        # there too, so tests and the demo never reach Google.
        if self.base_url == self.default_base_url:
            return TOKEN_URL
        return f"{self.base_url}/token"

    def _location_url(self) -> str:
        if not LOCATION_NAME.fullmatch(self.external_id):
            raise SourceError(
                f"The location name {self.external_id[:80]!r} should look like "
                "accounts/123/locations/456."
            )
        return f"{self.base_url}/v4/{self.external_id}"

    def raise_for_status(self, reply: outbound.Reply) -> None:
        if reply.status == 401:
            raise _TokenExpired(
                "Google refused the access token (401); connect the Google source again."
            )
        if reply.status == 400:
            raise _BadRequest("Google refused the request as invalid (400).")
        super().raise_for_status(reply)


def _stars(value: object, review_id: str) -> int | None:
    if value in (None, "", "STAR_RATING_UNSPECIFIED"):
        return None
    if isinstance(value, str) and value in STARS:
        return STARS[value]
    raise ItemSkipped(
        f"Google review {review_id}: unknown star rating {str(value)[:20]!r}; skipped."
    )


def _changed(review: FetchedReview) -> datetime:
    # The listing is sorted by update time: an edit brings a review back to the top.
    return review.edited_at or review.published_at


def _last_segment(name: object) -> str:
    return text_of(name).rstrip("/").rsplit("/", 1)[-1]
