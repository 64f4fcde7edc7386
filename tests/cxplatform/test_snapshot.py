"""The pages that add roll-ups to raw rows read the database as of one moment."""

from __future__ import annotations

import psycopg2
import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import Location
from accounts.services import location_create
from cxplatform.snapshot import one_snapshot
from tests.helpers import answer

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = [reverse("metrics:dashboard"), reverse("metrics:dashboard-csv"), "/api/v1/metrics/kpis/",
         reverse("journeys:map")]  # fmt: skip


def committed_elsewhere(business) -> None:
    """A location added and committed by another session (a worker's build, say)."""
    if connection.vendor == "postgresql":
        settings = connection.settings_dict
        other = psycopg2.connect(
            dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"],
            port=settings["PORT"] or 5432, password=settings["PASSWORD"],
        )  # fmt: skip
        with other, other.cursor() as cursor:
            cursor.execute(
                "INSERT INTO accounts_location (business_id, uuid, created_at, name, address) "
                "VALUES (%s, gen_random_uuid(), now(), 'Elsewhere', '')",
                [business.pk],
            )
        other.close()
    else:  # tasks run in the request on SQLite: the same session is the only writer
        Location.objects.create(business=business, name="Elsewhere")


def test_reads_inside_see_what_was_there_at_the_first(business_a):
    locations = Location.objects.filter(business=business_a)
    with one_snapshot():
        assert connection.in_atomic_block
        before = locations.count()
        committed_elsewhere(business_a)
        during = locations.count()
    after = locations.count()
    assert after == before + 1
    # PostgreSQL: a commit from elsewhere is not seen until the snapshot ends.
    assert during == (before if connection.vendor == "postgresql" else after)


def test_inside_a_transaction_already_the_enclosing_one_decides(business_a):
    from django.db import transaction

    with transaction.atomic():
        Location.objects.create(business=business_a, name="First")  # a query before
        with one_snapshot():
            assert Location.objects.filter(business=business_a, name="First").exists()


@pytest.mark.parametrize("page", PAGES)
def test_the_pages_answer_in_their_snapshot_and_show_no_outsider_anything(
    page, survey_a, survey_b, alice, charlie, client_of
):
    answer(survey_a, 2, "Alice's customer only: the cold croissant")
    mine = client_of(alice).get(page)
    assert mine.status_code == 200
    theirs = client_of(charlie).get(page)
    assert theirs.status_code == 200
    assert b"cold croissant" not in theirs.content
    # Charlie naming business A's location is told it is unknown, not shown its figures.
    kiosk = location_create(business=survey_a.business, name="Kiosk")
    assert client_of(charlie).get(page, {"location": str(kiosk.uuid)}).status_code == 400
