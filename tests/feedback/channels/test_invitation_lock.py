"""Invitation batches to one survey take turns, and never hold up the answers coming in
(PostgreSQL: SQLite has no row locks)."""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError, connection, transaction

from feedback.channels.invitations import lock_invitations
from feedback.models import Response
from tests.helpers import answer

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def lock_timeout(milliseconds: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{milliseconds}ms'")


def test_a_batch_holds_up_another_batch_but_not_the_answers(survey_a):
    held, release = threading.Event(), threading.Event()

    def a_batch_under_way() -> None:
        try:
            with transaction.atomic():
                lock_invitations(survey_a)
                held.set()
                release.wait(10)
        finally:
            connection.close()

    batch = threading.Thread(target=a_batch_under_way)
    batch.start()
    try:
        assert held.wait(10)
        with transaction.atomic():
            lock_timeout(2000)
            answer(survey_a, 9)  # its foreign key's check (FOR KEY SHARE) goes past the lock
        with pytest.raises(OperationalError, match="lock timeout"), transaction.atomic():
            lock_timeout(200)
            lock_invitations(survey_a)  # a second batch waits its turn
    finally:
        release.set()
        batch.join()
    assert Response.objects.filter(survey=survey_a).count() == 1
