"""The dashboard's resolved cases read from an index alone (metrics.care.case_kpis),
built without stopping the table's writes."""

from django.db import migrations, models

from cxplatform.migration_ops import AddIndexConcurrentlyOnPostgreSQL


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("feedback", "0008_interaction_note_touchpoint"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="followupcase",
            index=models.Index(
                condition=models.Q(("status", "resolved")),
                fields=["business", "resolved_at"],
                include=("created_at", "due_at"),
                name="case_resolved_times",
            ),
        ),
    ]
