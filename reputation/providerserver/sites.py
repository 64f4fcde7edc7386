"""Each site's endpoints, in its documented shapes (a mixin of ProviderServer)."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import parse_qs, urlencode
from xml.sax.saxutils import escape

from .core import (
    GOOGLE_MAX_PAGE,
    STAR_WORDS,
    TRIPADVISOR_MAX,
    TRUSTPILOT_MAX_PAGE,
    YELP_MAX,
    YELP_TIME_ZONE,
    Answer,
    Request,
    SiteReview,
    iso,
    json_answer,
    now_utc,
    to_int,
)


class SiteHandlers:
    """Needs from the server: _lock, _reviews, url, api_keys, tokens, _listing,
    _page_limit."""

    # --- Google Business Profile --------------------------------------------------------

    def _google_error(self, status: int, message: str, kind: str) -> Answer:
        return json_answer({"error": {"code": status, "message": message, "status": kind}}, status)

    def _google_denied(self, request: Request) -> Answer | None:
        if request.bearer() in self.google_access_tokens:
            return None
        return self._google_error(
            401, "Request had invalid authentication credentials.", "UNAUTHENTICATED"
        )

    def _google_list(self, request: Request, business_id: str) -> Answer:
        denied = self._google_denied(request)
        if denied:
            return denied
        reviews = self._listing("google", business_id)
        if reviews is None:
            return self._google_error(404, "Requested entity was not found.", "NOT_FOUND")
        size = self._page_limit(to_int(request.query.get("pageSize"), GOOGLE_MAX_PAGE), 50)
        start = to_int(request.query.get("pageToken"), 0)
        page = reviews[start : start + size]
        payload: dict = {"totalReviewCount": len(reviews)}
        rated = [review.rating for review in reviews if review.rating]
        if rated:
            payload["averageRating"] = round(sum(rated) / len(rated), 1)
        if page:  # Google leaves empty fields out of its JSON
            payload["reviews"] = [self._google_review(business_id, review) for review in page]
        if start + size < len(reviews):
            payload["nextPageToken"] = str(start + size)
        return json_answer(payload)

    def _google_review(self, business_id: str, review: SiteReview) -> dict:
        item = {
            "name": f"{business_id}/reviews/{review.id}",
            "reviewId": review.id,
            "reviewer": {"displayName": review.author, "isAnonymous": not review.author},
            "starRating": STAR_WORDS.get(review.rating or 0, "STAR_RATING_UNSPECIFIED"),
            "createTime": iso(review.created),
            "updateTime": iso(review.changed),
        }
        if review.text:
            item["comment"] = review.text
        if review.reply:
            item["reviewReply"] = {"comment": review.reply, "updateTime": iso(review.reply_at)}
        return item

    def _google_reply(self, request: Request, business_id: str, review_id: str) -> Answer:
        denied = self._google_denied(request)
        if denied:
            return denied
        comment = request.json().get("comment")
        if not isinstance(comment, str) or not comment.strip():
            return self._google_error(
                400, "Request contains an invalid argument.", "INVALID_ARGUMENT"
            )
        replied_at = self._store_reply("google", business_id, review_id, comment)
        if replied_at is None:
            return self._google_error(404, "Requested entity was not found.", "NOT_FOUND")
        return json_answer({"comment": comment, "updateTime": iso(replied_at)})

    def _google_token(self, request: Request) -> Answer:
        form = {key: values[-1] for key, values in parse_qs(request.body.decode()).items()}
        if form.get("grant_type") == "authorization_code":
            return self._google_code_exchange(form)
        if form.get("grant_type") != "refresh_token":
            return json_answer({"error": "unsupported_grant_type"}, 400)
        if form.get("refresh_token") not in self.google_refresh_tokens:
            return json_answer(
                {
                    "error": "invalid_grant",
                    "error_description": "Token has been expired or revoked.",
                },
                400,
            )
        token = f"google-access-{hashlib.sha256(str(time.time_ns()).encode()).hexdigest()[:16]}"
        with self._lock:
            self.google_access_tokens.add(token)
        return json_answer(
            {
                "access_token": token,
                "expires_in": 3599,
                "scope": "https://www.googleapis.com/auth/business.manage",
                "token_type": "Bearer",
            }
        )

    def _google_code_exchange(self, form: dict[str, str]) -> Answer:
        """The "Connect with Google" step: a sign-in code for a new token pair."""
        if form.get("code") not in self.google_auth_codes:
            return json_answer(
                {"error": "invalid_grant", "error_description": "Malformed auth code."}, 400
            )
        stamp = hashlib.sha256(str(time.time_ns()).encode()).hexdigest()[:16]
        access, refresh = f"google-access-{stamp}", f"google-refresh-{stamp}"
        with self._lock:
            self.google_access_tokens.add(access)
            self.google_refresh_tokens.add(refresh)
        return json_answer(
            {
                "access_token": access,
                "refresh_token": refresh,
                "expires_in": 3599,
                "scope": "https://www.googleapis.com/auth/business.manage",
                "token_type": "Bearer",
            }
        )

    def _store_reply(self, provider: str, business_id: str, review_id: str, text: str):
        """The reply time, or None when the business has no such review."""
        replied_at = now_utc()
        with self._lock:
            for review in self._reviews.get((provider, business_id), []):
                if review.id == review_id:
                    review.reply, review.reply_at = text, replied_at
                    self.replies[(provider, business_id, review_id)] = text
                    return replied_at
        return None

    # --- Yelp Fusion --------------------------------------------------------------------

    def _yelp_list(self, request: Request, business_id: str) -> Answer:
        if request.bearer() != self.api_keys.get("yelp"):
            error = {"code": "TOKEN_INVALID", "description": "Invalid access token or header."}
            return json_answer({"error": error}, 401)
        reviews = self._listing("yelp", business_id)
        if reviews is None:
            error = {"code": "BUSINESS_NOT_FOUND", "description": "Business not found."}
            return json_answer({"error": error}, 404)
        limit = min(to_int(request.query.get("limit"), YELP_MAX), YELP_MAX)
        items = [self._yelp_review(business_id, review) for review in reviews[:limit]]
        return json_answer({"reviews": items, "total": len(reviews), "possible_languages": ["en"]})

    def _yelp_review(self, business_id: str, review: SiteReview) -> dict:
        excerpt = review.text if len(review.text) <= 160 else review.text[:157] + "..."
        created = review.created.astimezone(YELP_TIME_ZONE).strftime("%Y-%m-%d %H:%M:%S")
        return {
            "id": review.id,
            "url": f"https://www.yelp.com/biz/{business_id}?hrid={review.id}",
            "text": excerpt,
            "rating": review.rating,
            "time_created": created,
            "user": {"id": f"u-{review.id}", "profile_url": "", "name": review.author},
        }

    # --- Trustpilot ---------------------------------------------------------------------

    def _trustpilot_list(self, request: Request, business_id: str) -> Answer:
        key = request.headers.get("apikey") or request.query.get("apikey")
        if key != self.api_keys.get("trustpilot"):
            return json_answer({"message": "Unauthorized", "errorCode": 401}, 401)
        reviews = self._listing("trustpilot", business_id)
        if reviews is None:
            return json_answer({"message": "Business unit not found", "errorCode": 404}, 404)
        reviews.sort(key=lambda review: review.created, reverse=True)  # orderBy createdat.desc
        size = self._page_limit(to_int(request.query.get("perPage"), 20), TRUSTPILOT_MAX_PAGE)
        page = max(to_int(request.query.get("page"), 1), 1)
        start = (page - 1) * size
        items = [self._trustpilot_review(business_id, r) for r in reviews[start : start + size]]
        links = [self._trustpilot_link(business_id, page, size, "self")]
        if start + size < len(reviews):
            links.append(self._trustpilot_link(business_id, page + 1, size, "next-page"))
        if page > 1:
            links.append(self._trustpilot_link(business_id, page - 1, size, "prev-page"))
        return json_answer({"reviews": items, "links": links})

    def _trustpilot_link(self, business_id: str, page: int, size: int, rel: str) -> dict:
        query = urlencode({"page": page, "perPage": size})
        href = f"{self.url}/v1/business-units/{business_id}/reviews?{query}"
        return {"href": href, "method": "GET", "rel": rel}

    def _trustpilot_review(self, business_id: str, review: SiteReview) -> dict:
        reply = None
        if review.reply:
            at = iso(review.reply_at)
            reply = {"text": review.reply, "authorBusinessUserId": "bu-1", "createdAt": at,
                     "updatedAt": None}  # fmt: skip
        return {
            "id": review.id,
            "consumer": {"id": f"c-{review.id}", "displayName": review.author,
                         "numberOfReviews": 1},
            "businessUnit": {"id": business_id, "displayName": "Demo business"},
            "stars": review.rating,
            "title": review.title,
            "text": review.text,
            "language": "en",
            "createdAt": iso(review.created),
            "updatedAt": iso(review.updated),
            "companyReply": reply,
            "status": "active",
            "isVerified": False,
            "links": [{"href": f"https://www.trustpilot.com/reviews/{review.id}",
                       "method": "GET", "rel": "reviews"}],
        }  # fmt: skip

    def _trustpilot_business_of(self, review_id: str) -> str | None:
        with self._lock:
            for (provider, business_id), reviews in self._reviews.items():
                if provider == "trustpilot" and any(r.id == review_id for r in reviews):
                    return business_id
        return None

    def _trustpilot_reply(self, request: Request, review_id: str) -> Answer:
        if request.bearer() not in self.trustpilot_business_tokens:
            return json_answer({"message": "Unauthorized", "errorCode": 401}, 401)
        message = request.json().get("message")
        if not isinstance(message, str) or not message.strip():
            return json_answer({"message": "message is required", "errorCode": 400}, 400)
        business_id = self._trustpilot_business_of(review_id)
        if business_id is None:
            return json_answer({"message": "Review not found", "errorCode": 404}, 404)
        self._store_reply("trustpilot", business_id, review_id, message)
        return Answer(201, b"")

    # --- Tripadvisor --------------------------------------------------------------------

    def _tripadvisor_list(self, request: Request, location_id: str) -> Answer:
        if request.query.get("key") != self.api_keys.get("tripadvisor"):
            error = {"message": "Invalid API key", "type": "UnauthorizedException", "code": 401}
            return json_answer({"error": error}, 401)
        reviews = self._listing("tripadvisor", location_id)
        if reviews is None:
            error = {"message": "Location not found", "type": "NotFoundException", "code": 404}
            return json_answer({"error": error}, 404)
        limit = min(to_int(request.query.get("limit"), TRIPADVISOR_MAX), TRIPADVISOR_MAX)
        data = [self._tripadvisor_review(location_id, review) for review in reviews[:limit]]
        return json_answer({"data": data})

    def _tripadvisor_review(self, location_id: str, review: SiteReview) -> dict:
        item = {
            "id": int(review.id) if review.id.isdigit() else review.id,
            "lang": "en",
            "location_id": int(location_id) if location_id.isdigit() else location_id,
            "published_date": iso(review.created),
            "rating": review.rating,
            "helpful_votes": 0,
            "url": f"https://www.tripadvisor.com/ShowUserReviews-d{location_id}-r{review.id}",
            "text": review.text,
            "title": review.title,
            "trip_type": "Couples",
            "user": {"username": review.author, "user_location": {"name": "Lyon, France"}},
            "subratings": {},
        }
        if review.reply:
            item["owner_response"] = {
                "text": review.reply,
                "author": "Owner",
                "lang": "en",
                "published_date": iso(review.reply_at),
            }
        return item

    # --- feeds --------------------------------------------------------------------------

    def _feed(self, request: Request, business_id: str, kind: str) -> Answer:
        reviews = self._listing("feed", business_id)
        if reviews is None:
            return Answer(404, b"no such feed", "text/plain")
        newest = max(
            (review.changed for review in reviews), default=datetime(2020, 1, 1, tzinfo=UTC)
        )
        body = (_atom if kind == "atom" else _rss)(self.feed_url(business_id), reviews, newest)
        etag = f'"{hashlib.sha256(body).hexdigest()[:20]}"'
        last_modified = format_datetime(newest.astimezone(UTC).replace(microsecond=0), usegmt=True)
        headers = {"ETag": etag, "Last-Modified": last_modified}
        if _not_modified(request, etag, newest):
            return Answer(304, b"", headers=headers)
        content_type = "application/atom+xml" if kind == "atom" else "application/rss+xml"
        return Answer(200, body, f"{content_type}; charset=utf-8", headers)


def _not_modified(request: Request, etag: str, newest: datetime) -> bool:
    if "if-none-match" in request.headers:
        return request.headers["if-none-match"] == etag
    since = request.headers.get("if-modified-since")
    if not since:
        return False
    try:
        return newest.replace(microsecond=0) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


def _feed_title(review: SiteReview) -> str:
    stars = f"{review.rating}/5 " if review.rating else ""
    return f"{stars}{review.title}".strip() or "Review"


def _rss(url: str, reviews: list[SiteReview], newest: datetime) -> bytes:
    items = "".join(
        "<item>"
        f'<guid isPermaLink="false">{escape(r.id)}</guid>'
        f"<title>{escape(_feed_title(r))}</title>"
        f"<link>{escape(url)}#{escape(r.id)}</link>"
        f"<description>{escape(r.text)}</description>"
        f"<dc:creator>{escape(r.author)}</dc:creator>"
        f"<pubDate>{format_datetime(r.created.astimezone(UTC))}</pubDate>"
        "</item>"
        for r in reviews
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>Reviews</title><link>{escape(url)}</link><description>Reviews</description>"
        f"<lastBuildDate>{format_datetime(newest.astimezone(UTC))}</lastBuildDate>"
        f"{items}</channel></rss>"
    ).encode()


def _atom(url: str, reviews: list[SiteReview], newest: datetime) -> bytes:
    entries = "".join(
        "<entry>"
        f"<id>urn:review:{escape(r.id)}</id>"
        f"<title>{escape(_feed_title(r))}</title>"
        f'<link href="{escape(url)}#{escape(r.id)}"/>'
        f"<author><name>{escape(r.author)}</name></author>"
        f"<published>{iso(r.created)}</published>"
        f"<updated>{iso(r.changed)}</updated>"
        f'<content type="text">{escape(r.text)}</content>'
        "</entry>"
        for r in reviews
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Reviews</title><id>{escape(url)}</id><updated>{iso(newest)}</updated>"
        f"{entries}</feed>"
    ).encode()
