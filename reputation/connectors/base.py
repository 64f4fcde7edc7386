"""The one interface every review site's connector implements.

A connector turns the site's API into `FetchedReview`s and back: it knows URLs,
paging, payload shapes and error codes, and nothing about the database. The poller
(reputation.polling) stores what it returns and keeps the cursor.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from cxplatform import outbound


@dataclass(frozen=True)
class FetchedReview:
    external_id: str
    published_at: datetime
    rating: int | None = None  # 1..5; None where the site has no stars (feeds)
    text: str = ""
    author_name: str = ""
    title: str = ""
    url: str = ""
    language: str = ""
    edited_at: datetime | None = None
    # The business's answer as the site shows it, if any.
    reply_text: str = ""
    replied_at: datetime | None = None


@dataclass
class FetchResult:
    reviews: list[FetchedReview]
    # Stored as given and passed to the next fetch.
    cursor: dict
    # True when `reviews` is everything the site lists for the business, so a stored
    # review missing from it was deleted. Sites that show only a few recent reviews
    # (Yelp, Tripadvisor) never say True.
    complete: bool = False
    # On a complete result read over several polls (a listing too long for one): the
    # ids the earlier polls of the same read saw; they were listed too.
    listed_before: list[str] = field(default_factory=list)
    # Items the connector could not read (missing id, unknown star value...), in plain
    # words; the rest of the page is still stored.
    skipped: list[str] = field(default_factory=list)
    # New credentials (a refreshed OAuth access token) for the poller to store.
    refreshed_secrets: dict[str, str] | None = None


class SourceError(Exception):
    """The site could not be read this time; `message` is shown on the source's page."""

    transient = False

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class RateLimited(SourceError):
    transient = True


class ProviderUnavailable(SourceError):
    """5xx, timeout, connection refused."""

    transient = True


class CredentialsRejected(SourceError):
    """401/403, an expired token that could not be refreshed: the owner reconnects."""


class MalformedPayload(SourceError):
    """Not the documented shape (truncated JSON, not XML, missing top-level keys)."""


class AddressRefused(SourceError):
    """The URL points at a private or local address, or is not http(s)."""


class ReplyNotSupported(SourceError):
    pass


class Connector(ABC):
    """Subclasses set the class attributes and implement fetch (and post_reply where
    the site allows replies by API)."""

    provider: ClassVar[str]
    default_base_url: ClassVar[str] = ""
    can_reply: ClassVar[bool] = False
    # Shown next to the source in the browser, e.g. Yelp's excerpts-only limit.
    limits_note: ClassVar[str] = ""
    # The credentials the connect form asks for: (key, label).
    secret_fields: ClassVar[tuple[tuple[str, str], ...]] = ()
    external_id_label: ClassVar[str] = ""

    def __init__(
        self,
        *,
        external_id: str,
        base_url: str = "",
        secrets: dict | None = None,
        deadline: float | None = None,
    ) -> None:
        self.external_id = external_id
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self.secrets = dict(secrets or {})
        # time.monotonic() by which a fetch stops asking for more pages (the rest is
        # read by the next poll); None: no limit.
        self.deadline = deadline

    @abstractmethod
    def fetch(self, cursor: dict) -> FetchResult:
        """The reviews new or changed since `cursor`, and the cursor to keep."""

    def post_reply(self, *, external_id: str, text: str) -> datetime | None:
        """Publish the business's reply; returns the site's reply time if it gives one."""
        raise ReplyNotSupported(f"{self.provider} does not accept replies through its API.")

    # --- helpers for subclasses --------------------------------------------------------

    def request(self, method: str, url: str, **kwargs) -> outbound.Reply:
        """One HTTP request; transport failures become SourceErrors, HTTP errors are
        classified by `raise_for_status`."""
        try:
            reply = outbound.fetch(method, url, **kwargs)
        except outbound.UrlRefused as error:
            raise AddressRefused(error.message) from None
        except outbound.ResponseTooLarge as error:
            raise MalformedPayload(error.message) from None
        except outbound.OutboundError as error:
            raise ProviderUnavailable(error.message) from None
        self.raise_for_status(reply)
        return reply

    def raise_for_status(self, reply: outbound.Reply) -> None:
        if reply.ok:
            return
        if reply.status == 429:
            raise RateLimited(
                "The site asks us to slow down (429); polling again later.",
                retry_after=retry_after_seconds(reply.header("retry-after")),
            )
        if reply.status in (401, 403):
            raise CredentialsRejected(
                f"The site refused the credentials ({reply.status}); connect the source again."
            )
        if reply.status == 404:
            raise SourceError(
                f"The site does not know {self.external_id_label or 'this business'} "
                f"{self.external_id!r} (404)."
            )
        if reply.status >= 500:
            raise ProviderUnavailable(f"The site had an error ({reply.status}); retrying later.")
        raise SourceError(f"The site answered {reply.status}.")

    def json(self, reply: outbound.Reply):
        try:
            return reply.json()
        except (ValueError, UnicodeDecodeError):
            raise MalformedPayload("The site's answer is not valid JSON (cut off?).") from None


def retry_after_seconds(raw: str) -> int | None:
    """Retry-After in seconds (HTTP dates are rare from APIs and read as unknown)."""
    raw = (raw or "").strip()
    return min(int(raw), 24 * 3600) if raw.isdigit() else None
