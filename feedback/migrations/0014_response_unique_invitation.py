"""An invitation is answered once at most: the unique index now holds answered
invitations only (see Response.invitation). The partial index is built first, without
stopping the table's writes, so uniqueness always holds; then the column's own unique
constraint is dropped alone (see cxplatform.migration_ops), which takes a moment, not
a re-check of the table's foreign key."""

import django.db.models.deletion
from django.db import migrations, models

from cxplatform.migration_ops import AddConstraintConcurrentlyOnPostgreSQL, AlterFieldUniqueOnly


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("feedback", "0013_answer_response_no_constraint"),
    ]

    operations = [
        AddConstraintConcurrentlyOnPostgreSQL(
            model_name="response",
            constraint=models.UniqueConstraint(
                condition=models.Q(("invitation__isnull", False)),
                fields=("invitation",),
                name="response_unique_invitation",
            ),
        ),
        AlterFieldUniqueOnly(
            model_name="response",
            name="invitation",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="feedback.invitation",
            ),
        ),
    ]
