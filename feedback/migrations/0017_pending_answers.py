"""A submission's answers wait in feedback_pendinganswers until a worker files them as
Answer rows (feedback.filing). A new table: no lock on any table in use."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0016_invitation_refusal_backfill"),
    ]

    operations = [
        migrations.CreateModel(
            name="PendingAnswers",
            fields=[
                (
                    "response",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="pending_answers",
                        serialize=False,
                        to="feedback.response",
                    ),
                ),
                ("answers", models.JSONField()),
            ],
            options={
                "verbose_name_plural": "pending answers",
            },
        ),
    ]
