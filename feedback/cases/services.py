"""Opening and working follow-up cases: every unhappy customer gets someone who owns it.

A case opens for a detractor (NPS 0-6), a CSAT answer of 1-2, a comment or a staff note
that scores negative, or an interaction staff marked "follow-up needed". A response or
an interaction opens at most one case (unique keys), so retries and two reasons at once
never double a case.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Role, User
from accounts.services import audit_record
from journeys.rollups import rollup_take_in_late

from ..models import (
    Answer,
    CaseNote,
    CaseReason,
    CaseStatus,
    FollowUpCase,
    Interaction,
    QuestionKind,
    Response,
)

DEFAULT_DUE = timedelta(hours=48)
# A note the same as the one just added, this soon after, is the same note sent twice.
RESENT_WITHIN = timedelta(minutes=2)
# Texts older than this (imports, backfills, rescoring) are history, not someone to call.
FRESH_FOR = timedelta(days=14)
DETRACTOR_UP_TO = 6
LOW_CSAT_UP_TO = 2


def case_reason_for_answers(answers: Iterable[Answer]) -> str | None:
    """Why a response needs a follow-up from its scores alone, or None."""
    thresholds = {
        QuestionKind.NPS: (DETRACTOR_UP_TO, CaseReason.DETRACTOR),
        QuestionKind.CSAT: (LOW_CSAT_UP_TO, CaseReason.LOW_CSAT),
    }
    for answer in answers:
        up_to, reason = thresholds.get(answer.question.kind, (None, None))
        if up_to is not None and answer.number is not None and answer.number <= up_to:
            return reason
    return None


def cases_open_for_response(*, response: Response, reason: str) -> None:
    """Called inside the transaction that stores a response whose answers give `reason`
    (case_reason_for_answers)."""
    cases_open(
        business_id=response.business_id,
        reason=reason,
        sources=[{"response_id": response.pk, "customer_id": response.customer_id}],
    )


def cases_open_for_interaction(*, interaction: Interaction) -> None:
    if interaction.follow_up_needed:
        cases_open(
            business_id=interaction.business_id,
            reason=CaseReason.STAFF_FLAG,
            sources=[
                {
                    "interaction_id": interaction.pk,
                    "customer_id": interaction.customer_id,
                    "assignee_id": interaction.staff_id,
                }
            ],
        )


def _fresh(written: dict[int, datetime]) -> list[int]:
    """The ids of the texts written recently enough to follow up (see FRESH_FOR): the
    only date check; the queries below take these ids as they are."""
    since = timezone.now() - FRESH_FOR
    return [pk for pk, written_at in written.items() if written_at >= since]


def cases_open_for_negative_answers(*, written: dict[int, datetime]) -> None:
    """After scoring: a negative comment opens a case for its response (if none yet).
    `written`: the id of each comment scored negative and when it was written."""
    ids = _fresh(written)
    if not ids:  # history (an import, a backfill): nobody to call, nothing to read
        return
    negative = Answer.objects.filter(pk__in=ids, sentiment_label="negative").values_list(
        "business_id", "response_id", "response__customer_id"
    )
    by_business: dict[int, list[dict]] = {}
    for business_id, response_id, customer_id in negative:
        source = {"response_id": response_id, "customer_id": customer_id}
        by_business.setdefault(business_id, []).append(source)
    for business_id, sources in by_business.items():
        cases_open(business_id=business_id, reason=CaseReason.NEGATIVE_COMMENT, sources=sources)


def cases_open_for_negative_interactions(*, written: dict[int, datetime]) -> None:
    """After scoring: a note that reads negative opens a case for its interaction.
    `written`: the id of each note scored negative and when it was written."""
    ids = _fresh(written)
    if not ids:
        return
    negative = Interaction.objects.filter(pk__in=ids, sentiment_label="negative")
    by_business: dict[int, list[dict]] = {}
    for interaction in negative.only("pk", "business_id", "customer_id", "staff_id"):
        by_business.setdefault(interaction.business_id, []).append(
            {
                "interaction_id": interaction.pk,
                "customer_id": interaction.customer_id,
                "assignee_id": interaction.staff_id,
            }
        )
    for business_id, sources in by_business.items():
        cases_open(business_id=business_id, reason=CaseReason.NEGATIVE_COMMENT, sources=sources)


def cases_open(*, business_id: int, reason: str, sources: list[dict]) -> None:
    """Open one case per source; a source that already has a case is left alone.

    `ignore_conflicts` lets the unique response/interaction keys decide, so two
    triggers racing (a detractor whose comment is also negative) open one case.
    """
    now = timezone.now()
    default_assignee = first_owner_id(business_id=business_id)
    FollowUpCase.objects.bulk_create(
        [
            FollowUpCase(
                business_id=business_id,
                reason=reason,
                response_id=source.get("response_id"),
                interaction_id=source.get("interaction_id"),
                customer_id=source.get("customer_id"),
                assignee_id=source.get("assignee_id") or default_assignee,
                created_at=now,
                due_at=now + DEFAULT_DUE,
            )
            for source in sources
        ],
        ignore_conflicts=True,
    )


def first_owner_id(*, business_id: int) -> int | None:
    owner = Membership.objects.filter(business_id=business_id, role=Role.OWNER).first()
    return owner.user_id if owner else None


# What case_update compares and writes, read again under the case's lock.
LOCKED_FIELDS = ("status", "assignee_id", "due_at", "contacted_at", "resolved_at")


def case_update(
    *,
    case: FollowUpCase,
    actor: User | None,
    status: str | None = None,
    assignee: User | None = None,
    due_at=None,
    unassign: bool = False,
) -> FollowUpCase:
    """Change status, owner or due time; status changes stamp when they happened.

    Only what differs from the case as stored is written and audited, so sending the
    same values again (a form sent twice, a retried request) changes nothing and records
    nothing. `case` is read again under a lock first: two members saving it at once are
    applied one after the other, the second compared with what the first wrote.
    """
    with transaction.atomic():
        stored = FollowUpCase.objects.select_for_update().filter(pk=case.pk)
        # Onto the caller's case, whose loaded relations (customer, notes...) stay.
        for name, value in stored.values(*LOCKED_FIELDS).get().items():
            setattr(case, name, value)
        changes = case_changes(case, status, assignee, due_at, unassign)
        if not changes:
            return case
        reopened_from = case.resolved_at if "resolved_at" in changes else None
        for name, value in changes.items():
            setattr(case, name, value)
        case.save(update_fields=list(changes))
        if reopened_from is not None:
            # Its resolution may be summed in a built day (metrics.resolve_times): that
            # day is rebuilt at the next advance, as for a late text.
            rollup_take_in_late(oldest={case.business_id: reopened_from})
        audit_record(
            business=case.business,
            actor=actor,
            action="case.update",
            target=str(case.uuid),
            detail={name: None if value is None else str(value) for name, value in changes.items()},
        )
    return case


def case_changes(case: FollowUpCase, status, assignee, due_at, unassign: bool) -> dict:
    """The fields to write: only those whose new value differs from the case's."""
    changes: dict = {}
    if status and status != case.status:
        changes.update(status_changes(case, status))
    if (assignee is not None or unassign) and getattr(assignee, "pk", None) != case.assignee_id:
        changes["assignee"] = assignee
    # The form gives the due time to the minute: the stored one's seconds are no change.
    if due_at is not None and due_at != case.due_at.replace(second=0, microsecond=0):
        changes["due_at"] = due_at
    return changes


def status_changes(case: FollowUpCase, status: str) -> dict:
    now = timezone.now()
    changes: dict = {"status": status}
    if status == CaseStatus.CONTACTED and case.contacted_at is None:
        changes["contacted_at"] = now
    if status == CaseStatus.RESOLVED:
        changes["resolved_at"] = now
        if case.contacted_at is None:
            changes["contacted_at"] = now
    if status != CaseStatus.RESOLVED and case.resolved_at is not None:
        changes["resolved_at"] = None
    return changes


def case_note_add(*, case: FollowUpCase, author: User | None, text: str) -> CaseNote:
    """Add a note; the same text from the same author as the case's newest note, within
    RESENT_WITHIN, is that note sent again (a double click, a retried request) and gives
    it back rather than a copy."""
    if author is None:
        # An API key's notes have no author to tell a resend from a repeated note
        # ("SMS sent" after each event): each is kept.
        return CaseNote.objects.create(business=case.business, case=case, author=None, text=text)
    with transaction.atomic():
        # Two copies arriving together wait for each other here (PostgreSQL).
        list(FollowUpCase.objects.select_for_update().filter(pk=case.pk).values_list("pk"))
        newest = case.notes.order_by("-created_at", "-pk").first()
        if (
            newest is not None
            and (newest.author_id, newest.text) == (getattr(author, "pk", None), text)
            and newest.created_at >= timezone.now() - RESENT_WITHIN
        ):
            return newest
        return CaseNote.objects.create(business=case.business, case=case, author=author, text=text)


def cases_of_removed_member_release(*, business_id: int, user_id: int) -> int:
    """The team's hook (settings.ACCOUNTS_AFTER_MEMBER_REMOVED): someone removed from a
    business leaves no case behind them. Their open and contacted cases go back to the
    unassigned queue, where everyone in the business sees them; resolved ones keep who
    resolved them (history)."""
    theirs = FollowUpCase.objects.filter(business_id=business_id, assignee_id=user_id)
    return theirs.exclude(status=CaseStatus.RESOLVED).update(assignee=None)
