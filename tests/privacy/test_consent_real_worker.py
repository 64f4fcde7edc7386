"""Through Redis and a real Celery worker: invitations queued while a customer still
agreed are not sent once they unsubscribe, however long they waited in the broker."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from customers.consent import OPTED_OUT, REFUSALS
from feedback.channels.invitations import invitations_create
from feedback.models import Invitation, InvitationStatus
from tests.factories import CustomerFactory
from tests.workers import WAIT_SECONDS

pytestmark = [pytest.mark.real_worker, pytest.mark.django_db(transaction=True)]


def wait_until_done(worker) -> None:
    """Until the batch's task has finished (its e-mails printed, its rows written)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if "send_invitations" in worker.log() and "succeeded" in worker.log():
            return
        time.sleep(0.2)
    raise AssertionError(f"the worker never sent the invitations:\n{worker.log()}")


def test_an_unsubscribe_while_queued_stops_the_email(survey_a, business_a, worker):
    dana = CustomerFactory(business=business_a, email="dana@example.net", consent_to_contact=True)
    eli = CustomerFactory(business=business_a, email="eli@example.net", consent_to_contact=True)
    # No worker yet: the sending task waits in Redis.
    made = invitations_create(survey=survey_a, customers=[dana, eli]).invitations
    dana_invitation = next(i for i in made if i.customer_id == dana.pk)
    assert Client().post(f"/u/{dana_invitation.token}/").status_code == 200
    worker.queues = "email"
    worker.start()
    wait_until_done(worker)
    rows = {i.pk: i for i in Invitation.objects.filter(pk__in=[i.pk for i in made])}
    assert rows[dana_invitation.pk].status == InvitationStatus.SKIPPED
    assert rows[dana_invitation.pk].note == str(REFUSALS[OPTED_OUT])
    eli_invitation = next(row for row in rows.values() if row.customer_id == eli.pk)
    assert eli_invitation.status == InvitationStatus.SENT
    # The worker's console mail backend printed every message it sent.
    log = worker.log()
    assert "To: eli@example.net" in log and "dana@example.net" not in log
