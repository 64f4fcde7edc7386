"""Review polling (queue `polling`) and review requests (queue `email`)."""

from __future__ import annotations

# Review-request tasks live with their service; importing them here lets Celery's
# autodiscovery (which looks for <app>.tasks) register them.
from .review_requests import send_due_review_requests, send_review_request  # noqa: F401
