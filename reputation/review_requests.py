"""Review requests: e-mails inviting customers to review the business (placeholder
until the feature is written; see issue 7)."""

from __future__ import annotations

from celery import shared_task


@shared_task
def send_review_request(request_id: int) -> None:
    raise NotImplementedError


@shared_task
def send_due_review_requests() -> int:
    return 0
