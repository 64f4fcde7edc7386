"""The one anonymisation, for an erasure request and for the retention period alike.

Personal data and the customers' own words are removed; everything the figures are made
of stays: scores, sentiment numbers and labels, aspect mentions (keys and scores, no
words), dates, locations, touchpoints, channels, purchase amounts and the rows
themselves, so every KPI reads the same before and after.

Each place is walked in batches of primary keys with one UPDATE per batch (no query per
row). A place selects only rows still holding something to remove, so running it again
changes nothing (idempotent) and a run stopped half-way is finished by the next.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import CharField, F, Q, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from cxplatform.batching import BATCH_SIZE
from feedback.filing import answers_file_pending
from feedback.models import InvitationStatus
from reputation.models import RequestStatus

from . import scope as reach
from .scope import Scope

# Tokens in e-mailed links are replaced by this prefix, a random part and the row's id:
# unique, unguessable, and never made by secrets.token_urlsafe (no ":" in its alphabet).
ERASED_TOKEN = "erased:"


@dataclass(frozen=True)
class Place:
    key: str
    # The rows of the scope still holding something to remove.
    pending: Callable[[Scope], QuerySet]
    # What they become (called once per run: the time and random parts are fresh).
    changes: Callable[[], dict]


def erased_token(random_chars: int) -> Concat:
    return Concat(
        Value(ERASED_TOKEN + secrets.token_urlsafe(random_chars)[:random_chars] + ":"),
        Cast("pk", CharField()),
        output_field=CharField(),
    )


def not_sent_note() -> str:
    return _("Not sent: the customer's data was erased.")


def has_text(field: str) -> Q:
    return ~Q(**{field: ""})


PLACES = (
    Place(
        "answers",
        lambda s: reach.answers(s).filter(has_text("text")),
        lambda: {"text": ""},
    ),
    Place(
        "contact_emails",
        lambda s: reach.responses(s).filter(has_text("contact_email")),
        lambda: {"contact_email": ""},
    ),
    Place(
        "interaction_notes",
        lambda s: reach.interactions(s).filter(has_text("note") | has_text("outcome")),
        lambda: {"note": "", "outcome": ""},
    ),
    Place(
        "case_notes",
        lambda s: reach.case_notes(s).filter(has_text("text")),
        lambda: {"text": ""},
    ),
    Place(
        "alert_excerpts",
        lambda s: reach.alerts(s).filter(has_text("excerpt")),
        lambda: {"excerpt": ""},
    ),
    # Links first, then pending sends: both walk the same rows, each its own change.
    Place(
        "invitation_links",
        lambda s: reach.invitations(s).exclude(token__startswith=ERASED_TOKEN),
        lambda: {"token": erased_token(24)},
    ),
    Place(
        "invitations_cancelled",
        lambda s: reach.invitations(s).filter(status=InvitationStatus.SCHEDULED),
        lambda: {"status": InvitationStatus.SKIPPED, "note": not_sent_note()},
    ),
    Place(
        "review_request_links",
        # A failure message may quote the address the mail server refused.
        lambda s: reach.review_requests(s).exclude(token__startswith=ERASED_TOKEN),
        lambda: {"token": erased_token(12), "error": ""},
    ),
    Place(
        "review_requests_cancelled",
        lambda s: reach.review_requests(s).filter(status=RequestStatus.QUEUED),
        lambda: {"status": RequestStatus.FAILED, "error": not_sent_note(), "tried_at": None},
    ),
    Place(
        "import_files",
        lambda s: reach.finished_import_files(s).filter(~Q(content=b"") | ~Q(refusals=[])),
        lambda: {"content": b"", "refusals": []},
    ),
    # Last: the e-mail address above was read into the scope before it goes.
    Place(
        "customers",
        lambda s: reach.customers(s).filter(reach.holds_personal_data()),
        lambda: {
            "name": "", "email": "", "phone": "", "tags": [],
            "erased_at": Coalesce(F("erased_at"), Value(timezone.now())),
        },
    ),
)  # fmt: skip


def anonymise(scope: Scope) -> dict[str, int]:
    """Remove the scope's personal data and words; returns rows changed per place.

    Not atomic by itself: an erasure wraps it in one transaction, retention lets each
    batch commit so a large business is not held in one long transaction. Answers still
    waiting to be filed are filed first, so their words are removed with the rest.
    """
    answers_file_pending(reach.responses(scope))
    return {place.key: update_in_batches(place.pending(scope), place.changes()) for place in PLACES}


def update_in_batches(pending: QuerySet, changes: dict) -> int:
    """UPDATE the pending rows BATCH_SIZE at a time, walking up the primary key, so a
    row that stays pending (changed back meanwhile) is never visited twice in a run."""
    changed, last_pk = 0, 0
    while batch := list(
        pending.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:BATCH_SIZE]
    ):
        changed += pending.model.objects.filter(pk__in=batch).update(**changes)
        last_pk = batch[-1]
    return changed
