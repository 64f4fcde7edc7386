"""Writes of the review inbox: keeping a draft, posting a reply, marking one as pasted.

A reply is posted through the site's API where the site has one (connector.can_reply);
elsewhere the owner copies it onto the site and says so. Nothing is posted without a
manager asking for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import audit_record
from cxplatform.errors import ApplicationError
from cxplatform.vault import SecretUnreadable

from ..connectors import connector_for
from ..connectors.base import SourceError
from ..models import ReplyStatus, Review
from ..polling import secrets_refresh
from ..selectors import can_post_reply

# Google's limit for a reply, the tightest of the sites we post to.
REPLY_MAX_LENGTH = 4000
ERROR_MAX_LENGTH = 300


@dataclass(frozen=True)
class PostOutcome:
    review: Review
    posted: bool
    error: str = ""


def reply_text_problem(text: str, *, required: bool = True) -> str:
    """Why `text` cannot be a reply, in words naming the field ("" when it can)."""
    if required and not text.strip():
        return _("Write the reply first.")
    if len(text) > REPLY_MAX_LENGTH:
        return _("A reply can have at most %(limit)s characters (this one has %(length)s).") % {
            "limit": f"{REPLY_MAX_LENGTH:,}",
            "length": f"{len(text):,}",
        }
    return ""


def check_reply_text(text: str, *, required: bool = True) -> None:
    problem = reply_text_problem(text, required=required)
    if problem:
        raise ApplicationError(problem, errors={"text": [problem]})


def review_draft_save(*, review: Review, text: str) -> Review:
    """Keep the owner's work in progress; nothing leaves the platform."""
    check_reply_text(text, required=False)
    review.reply_draft = text
    review.save(update_fields=["reply_draft"])
    return review


def review_reply_post(*, review: Review, text: str, actor: User | None) -> PostOutcome:
    """Publish the reply through the site's API and record the outcome.

    The site is called outside any transaction (it may take seconds), then one UPDATE
    records the result. A refusal keeps the text as the draft and says why in plain
    words; a reply that was already on the site stays recorded as replied.
    """
    text = text.strip()
    check_reply_text(text)
    refuse_unless_postable(review)
    connector = None
    try:
        connector = connector_for(review.source)
        site_time = connector.post_reply(external_id=review.external_id, text=text)
    except (SourceError, SecretUnreadable) as error:
        return record_failure(review, text, str(getattr(error, "message", error)), actor)
    finally:
        keep_refreshed_token(review, connector)
    record_reply(review, text, ReplyStatus.POSTED, actor, site_time)
    return PostOutcome(review=review, posted=True)


def keep_refreshed_token(review: Review, connector) -> None:
    """A token renewed to post the reply is kept, as polling keeps one renewed to read."""
    refreshed = getattr(connector, "refreshed_secrets", None)
    if refreshed:
        secrets_refresh(review.source, refreshed)


def refuse_unless_postable(review: Review) -> None:
    if review.deleted_at is not None:
        message = _("This review was removed from the site; there is nothing to reply to.")
        raise ApplicationError(message, errors={"review": [message]})
    if not can_post_reply(review.source):
        message = _(
            "%(site)s does not accept replies from us: copy the reply onto the site, then "
            "mark the review as replied."
        ) % {"site": review.source.get_provider_display()}
        raise ApplicationError(message, errors={"text": [message]})


@transaction.atomic
def record_failure(review: Review, text: str, message: str, actor: User | None) -> PostOutcome:
    review.reply_draft = text
    review.reply_error = message[:ERROR_MAX_LENGTH]
    fields = ["reply_draft", "reply_error"]
    if not review.is_replied:
        # An earlier reply the site still shows stays counted; only a first try "fails".
        review.reply_status = ReplyStatus.FAILED
        fields.append("reply_status")
    review.save(update_fields=fields)
    audit_record(
        business=review.business, actor=actor,
        action="review.reply_failed", target=str(review.uuid), detail={"error": message[:300]},
    )  # fmt: skip
    return PostOutcome(review=review, posted=False, error=review.reply_error)


def review_mark_replied(*, review: Review, text: str, actor: User | None) -> Review:
    """The owner pasted the reply on the site themselves (sites without a reply API,
    or a reply written there directly); `text` is what they pasted, if they say."""
    text = text.strip()
    check_reply_text(text, required=False)
    if review.deleted_at is not None:
        message = _("This review was removed from the site; there is nothing to reply to.")
        raise ApplicationError(message, errors={"review": [message]})
    record_reply(review, text or review.reply_draft, ReplyStatus.COPIED, actor, None)
    return review


@transaction.atomic
def record_reply(review: Review, text: str, status: str, actor: User | None, site_time) -> None:
    review.reply_text = text
    review.reply_draft = text
    review.reply_status = status
    review.replied_at = site_time or timezone.now()
    review.replied_by = actor
    review.reply_error = ""
    review.save(
        update_fields=[
            "reply_text", "reply_draft", "reply_status", "replied_at", "replied_by",
            "reply_error",
        ]
    )  # fmt: skip
    audit_record(
        business=review.business, actor=actor, action=f"review.reply_{status}",
        target=str(review.uuid),
    )  # fmt: skip
