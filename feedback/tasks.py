"""Celery finds tasks in each app's `tasks` module; the feedback areas keep theirs apart."""

from __future__ import annotations

from .channels.tasks import send_due_invitations, send_invitations, send_reminders

__all__ = ["send_due_invitations", "send_invitations", "send_reminders"]
