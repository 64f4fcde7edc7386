"""Two erasure requests for one customer at the same moment (two tabs, a double click, a
retried API call): one does the work, the other waits for it and finds nothing left."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from accounts.models import AuditEntry
from customers.models import Erasure
from privacy.services import customer_erase

from .conftest import DANA_MARKERS, database_text

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def test_two_erasures_at_once_record_one(world, mia):
    start = threading.Barrier(2)
    results: list[bool] = []

    def erase() -> None:
        try:
            start.wait()
            _, removed = customer_erase(
                business=world.business, customer=world.dana.customer, actor=mia
            )
            results.append(removed)
        finally:
            connection.close()

    threads = [threading.Thread(target=erase) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False, True]
    assert Erasure.objects.count() == 1
    assert AuditEntry.objects.filter(action="customer.erase").count() == 1
    assert not any(marker in database_text(world.business) for marker in DANA_MARKERS)
