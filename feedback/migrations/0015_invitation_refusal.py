"""An invitation not sent because the customer must not be e-mailed keeps why as a key
(Invitation.refusal), not only in words. Adding a column with a constant default takes
a moment on PostgreSQL (no table rewrite); waiting for the table's lock takes
LOCK_TIMEOUT at most (see cxplatform.migration_ops). The rows already there get their
key in 0016, in transactions of their own, so this lock is not held meanwhile."""

from django.db import migrations, models

from cxplatform.migration_ops import AddFieldWithLockTimeout


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0014_response_unique_invitation"),
    ]

    operations = [
        AddFieldWithLockTimeout(
            model_name="invitation",
            name="refusal",
            field=models.CharField(
                blank=True,
                choices=[
                    ("no_email", "No e-mail address."),
                    ("opted_out", "Unsubscribed from e-mails."),
                    ("no_consent", "Did not agree to be contacted."),
                ],
                db_default="",
                default="",
                max_length=32,
            ),
        ),
    ]
