"""The invitations written before 0015 get their refusal key from their note: the words
of customers.consent.REFUSALS, in whichever language of settings.LANGUAGES was active
when the row was written, alone (not sent) or in "Reminder not sent: …" (its reminder
not sent). One UPDATE per (key, words), whatever the number of rows.

Not atomic: each UPDATE commits by itself, so no row stays locked for longer than its
own statement, and a run stopped part way does the rest when run again. Backwards there
is nothing to undo: the column goes with 0015."""

from django.conf import settings
from django.db import migrations
from django.utils import translation
from django.utils.translation import gettext

# The words as they were when this migration was written (customers.consent.REFUSALS and
# feedback.channels.invitations), so that a later rewording does not change what it does.
REFUSALS = {
    "no_email": "No e-mail address.",
    "opted_out": "Unsubscribed from e-mails.",
    "no_consent": "Did not agree to be contacted.",
}
REMINDER_NOT_SENT = "Reminder not sent: %(reason)s"


def notes_by_refusal() -> set[tuple[str, str]]:
    """(key, note) for every note a refusal was written as, in every language."""
    pairs = set()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for key, words in REFUSALS.items():
                reason = gettext(words)
                pairs |= {(key, reason), (key, gettext(REMINDER_NOT_SENT) % {"reason": reason})}
    return pairs


def refusals_from_notes(apps, schema_editor) -> None:
    Invitation = apps.get_model("feedback", "Invitation")
    for key, note in sorted(notes_by_refusal()):
        Invitation.objects.filter(note=note, refusal="").update(refusal=key)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("feedback", "0015_invitation_refusal"),
    ]

    operations = [
        migrations.RunPython(refusals_from_notes, migrations.RunPython.noop, elidable=True),
    ]
