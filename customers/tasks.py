from __future__ import annotations

from celery import shared_task

from .imports import import_run


# No automatic retry: the import claims itself once; a failure is shown to the owner.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_import(import_id: int) -> None:
    """Import a CSV the owner mapped; claimed first, so a redelivery never imports twice."""
    import_run(import_id=import_id)
