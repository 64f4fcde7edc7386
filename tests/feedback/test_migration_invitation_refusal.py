"""feedback 0015 and 0016: an invitation keeps why it was not sent as a key. The rows
already there get theirs from their note, written in English or Spanish, alone or as a
reminder not sent; one UPDATE per (key, words) whatever the number of rows. On
PostgreSQL the column is added waiting briefly for the table's lock."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps as current_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.consent import NO_CONSENT, NO_EMAIL, OPTED_OUT
from feedback.models import Invitation, InvitationStatus
from tests.factories import CustomerFactory
from tests.helpers import migrate, migrate_logging_sql

backfill = import_module("feedback.migrations.0016_invitation_refusal_backfill")

BEFORE = [("feedback", "0014_response_unique_invitation")]
ADDED = [("feedback", "0015_invitation_refusal")]
AFTER = [("feedback", "0016_invitation_refusal_backfill")]

# Note -> the key it must get: what the app wrote in English and Spanish, and notes that
# are no refusal (a recent invitation, an erasure, a failed send, none).
NOTES = {
    "No e-mail address.": NO_EMAIL,
    "Sin dirección de correo electrónico.": NO_EMAIL,
    "Unsubscribed from e-mails.": OPTED_OUT,
    "Se dio de baja de los correos.": OPTED_OUT,
    "Did not agree to be contacted.": NO_CONSENT,
    "No aceptó ser contactado.": NO_CONSENT,
    "Reminder not sent: Unsubscribed from e-mails.": OPTED_OUT,
    "Recordatorio no enviado: Se dio de baja de los correos.": OPTED_OUT,
    "Recordatorio no enviado: No aceptó ser contactado.": NO_CONSENT,
    "Already invited on Nov. 3, 2026.": "",
    "Ya se le invitó el 3 de noviembre de 2026.": "",
    "Not sent: the customer's data was erased.": "",
    "Sending failed; will retry.": "",
    "": "",
}


def write(invitation_model, survey, notes, *, copies: int = 1) -> None:
    """`copies` invitations with each note, as the app wrote them before 0015."""
    customer = CustomerFactory(business=survey.business)
    invitation_model.objects.bulk_create(
        invitation_model(
            business_id=survey.business_id, survey_id=survey.pk, customer_id=customer.pk,
            token=f"t-{n}-{note}", send_at=timezone.now(), note=note,
            status=InvitationStatus.SENT if "eminder" in note else InvitationStatus.SKIPPED,
        )
        for note in notes
        for n in range(copies)
    )  # fmt: skip


def keys_by_note(invitation_model) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for note, key in invitation_model.objects.values_list("note", "refusal"):
        found.setdefault(note, set()).add(key)
    return found


@pytest.mark.django_db
def test_the_backfill_reads_every_language_and_updates_once_per_note(survey_a):
    write(Invitation, survey_a, NOTES, copies=3)

    with CaptureQueriesContext(connection) as queries:
        backfill.refusals_from_notes(current_apps, None)

    assert keys_by_note(Invitation) == {note: {key} for note, key in NOTES.items()}
    # One UPDATE per (key, words), not per row: 3 keys, 2 languages, alone or reminded.
    assert len(queries.captured_queries) == len(backfill.notes_by_refusal()) == 12


@pytest.mark.django_db
def test_the_backfill_leaves_a_key_already_set_alone(survey_a):
    """Run again (after stopping part way, say), it changes nothing already done."""
    write(Invitation, survey_a, ["No aceptó ser contactado."])
    Invitation.objects.update(refusal=OPTED_OUT)

    backfill.refusals_from_notes(current_apps, None)

    assert Invitation.objects.get().refusal == OPTED_OUT


@pytest.mark.django_db(transaction=True)
def test_the_key_is_added_filled_in_and_removed_again(survey_a):
    try:
        write(migrate(BEFORE).get_model("feedback", "Invitation"), survey_a, NOTES)
        added = migrate(ADDED).get_model("feedback", "Invitation")
        assert set(added.objects.values_list("refusal", flat=True)) == {""}

        after = migrate(AFTER).get_model("feedback", "Invitation")

        assert keys_by_note(after) == {note: {key} for note, key in NOTES.items()}
        back = migrate(BEFORE).get_model("feedback", "Invitation")
        assert back.objects.count() == len(NOTES)
        assert "refusal" not in {f.name for f in back._meta.get_fields()}
    finally:
        migrate()  # back to the newest


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_postgresql_adds_the_column_waiting_briefly_for_the_lock():
    try:
        migrate(BEFORE)
        statements = migrate_logging_sql(ADDED)

        (add,) = [sql for sql in statements if "ADD COLUMN" in sql]
        assert '"refusal"' in add and "DEFAULT ''" in add
        assert statements.index("SET LOCAL lock_timeout = '5s'") < statements.index(add)
        # The default stays in the database: a row written by code that does not know
        # the column yet (a deploy under way) is taken.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT column_default FROM information_schema.columns "
                "WHERE table_name = 'feedback_invitation' AND column_name = 'refusal'"
            )
            (default,) = cursor.fetchone()
        assert default.startswith("''")
    finally:
        migrate()
