"""An answer's response has no constraint in the database (see Answer.response): the
answers are written only with their response, and the check locked the response's new
row once more at every commit. Dropping a constraint takes a moment, not a table scan."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0012_drop_case_resolved"),
    ]

    operations = [
        migrations.AlterField(
            model_name="answer",
            name="response",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="answers",
                to="feedback.response",
            ),
        ),
    ]
