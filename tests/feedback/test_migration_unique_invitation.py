"""feedback 0014: the invitation's unique constraint becomes a partial unique index
(answered invitations only), and back, with the responses already there kept. On
PostgreSQL the table keeps taking writes: the index is built concurrently, the foreign
key is never dropped and checked again, and a run that stopped part way can run again."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tests.factories import CustomerFactory
from tests.helpers import constraints_of, migrate, migrate_logging_sql

BEFORE = [("feedback", "0013_answer_response_no_constraint")]
AFTER = [("feedback", "0014_response_unique_invitation")]
PARTIAL = "response_unique_invitation"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def at_0013():
    """The database at 0013 for the test, and back at the newest migrations after it."""
    migrate(BEFORE)
    yield
    migrate()


def unique_on_invitation() -> list[str]:
    """The names of the unique constraints and indexes on the invitation column alone."""
    return [name for name, info in constraints_of("feedback_response").items()
            if info["unique"] and info["columns"] == ["invitation_id"]]  # fmt: skip


def invitation_foreign_key() -> int:
    """The oid of the invitation's foreign-key constraint: a new one if it was made again."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT oid FROM pg_constraint WHERE conrelid = 'feedback_response'::regclass "
            "AND contype = 'f' AND confrelid = 'feedback_invitation'::regclass"
        )
        (oid,) = cursor.fetchone()
    return oid


def invite(apps, survey) -> int:
    customer = CustomerFactory(business=survey.business)
    return apps.get_model("feedback", "Invitation").objects.create(
        business_id=survey.business_id, survey_id=survey.pk, customer_id=customer.pk,
        token=f"token-{customer.pk}", send_at=timezone.now(),
    ).pk  # fmt: skip


def add_responses(apps, survey, *invitation_ids) -> None:
    response = apps.get_model("feedback", "Response")
    for invitation_id in invitation_ids:
        response.objects.create(
            business_id=survey.business_id, survey_id=survey.pk, invitation_id=invitation_id
        )


def test_the_unique_invitation_becomes_partial_and_back(at_0013, survey_a):
    old = migrate(BEFORE)
    answered = invite(old, survey_a)
    add_responses(old, survey_a, None, None, answered)
    (old_name,) = unique_on_invitation()
    assert old_name != PARTIAL

    new = migrate(AFTER)
    assert unique_on_invitation() == [PARTIAL]
    add_responses(new, survey_a, None, invite(new, survey_a))
    with pytest.raises(IntegrityError), transaction.atomic():
        add_responses(new, survey_a, answered)

    back = migrate(BEFORE)
    assert unique_on_invitation() == [old_name]
    responses = back.get_model("feedback", "Response").objects
    assert responses.count() == 5
    assert responses.filter(invitation_id=answered).count() == 1


@pytest.mark.postgresql
def test_postgresql_builds_concurrently_and_keeps_the_foreign_key(at_0013, survey_a):
    foreign_key = invitation_foreign_key()

    forwards = migrate_logging_sql(AFTER)

    assert invitation_foreign_key() == foreign_key
    (build,) = [sql for sql in forwards if sql.startswith("CREATE UNIQUE INDEX")]
    assert build.startswith(f'CREATE UNIQUE INDEX CONCURRENTLY "{PARTIAL}"')
    (drop,) = [sql for sql in forwards if "DROP CONSTRAINT" in sql]
    assert "invitation_id_key" in drop
    assert forwards.index("SET lock_timeout = '5s'") < forwards.index(drop)

    backwards = migrate_logging_sql(BEFORE)

    assert invitation_foreign_key() == foreign_key
    (build,) = [sql for sql in backwards if sql.startswith("CREATE UNIQUE INDEX")]
    assert build.startswith("CREATE UNIQUE INDEX CONCURRENTLY")
    assert unique_on_invitation() == ["feedback_response_invitation_id_key"]


@pytest.mark.postgresql
def test_postgresql_runs_again_after_stopping_part_way(at_0013, survey_a):
    """A concurrent build that failed leaves its index invalid; one that was built
    before the constraint could be dropped (its lock not had in time) leaves it valid.
    Either way the migration runs again to the end."""
    add_responses(migrate(BEFORE), survey_a, None, None)
    with connection.cursor() as cursor, pytest.raises(IntegrityError):
        # Two responses of one survey: this build fails, and leaves its index invalid.
        cursor.execute(
            f"CREATE UNIQUE INDEX CONCURRENTLY {PARTIAL} ON feedback_response (survey_id)"
        )

    migrate(AFTER)

    assert unique_on_invitation() == [PARTIAL]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indisvalid, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indexrelid = %s::regclass",
            [PARTIAL],
        )
        valid, definition = cursor.fetchone()
    assert valid and "(invitation_id) WHERE (invitation_id IS NOT NULL)" in definition

    # Built, but the constraint not dropped: the rest is done on the next run.
    migrate(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE UNIQUE INDEX CONCURRENTLY {PARTIAL} ON feedback_response (invitation_id) "
            "WHERE invitation_id IS NOT NULL"
        )
    migrate(AFTER)
    assert unique_on_invitation() == [PARTIAL]
