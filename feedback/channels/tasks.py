from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .invitations import (
    due_invitation_ids,
    due_reminder_ids,
    invitation_remind,
    invitation_send,
    invitations_after_purchases,
)

# Mail servers and databases that hiccup may work on the next try; bugs must not loop.
TRANSIENT = (SMTPException, ConnectionError, TimeoutError, OperationalError, InterfaceError)
RETRY = {"autoretry_for": TRANSIENT, "retry_backoff": 30, "retry_backoff_max": 1800,
         "max_retries": 6, "acks_late": True, "reject_on_worker_lost": True}  # fmt: skip


@shared_task(**RETRY)
def send_invitations(ids: list[int]) -> int:
    """Send a batch of invitations; each is claimed first, so a retry never doubles one."""
    return sum(invitation_send(invitation_id=pk) for pk in ids)


@shared_task(**RETRY)
def send_reminders(ids: list[int]) -> int:
    return sum(invitation_remind(invitation_id=pk) for pk in ids)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_due_invitations() -> dict:
    """Beat: invite after purchases, then send whatever invitations and reminders are due."""
    made = invitations_after_purchases()
    due = due_invitation_ids()
    reminders = due_reminder_ids()
    for start in range(0, len(due), 50):
        send_invitations.delay(due[start : start + 50])
    for start in range(0, len(reminders), 50):
        send_reminders.delay(reminders[start : start + 50])
    return {"scheduled": made, "due": len(due), "reminders": len(reminders)}
