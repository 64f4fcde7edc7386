"""The case outcomes of a period in two partial indexes: those with a customer (covering,
grouped by customer) and those without (only counted), so the recovery rate no longer
groups every anonymous case (metrics.case_outcomes). Built without stopping writes,
before the old index goes."""

from django.db import migrations, models

from cxplatform.migration_ops import AddIndexConcurrentlyOnPostgreSQL


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("metrics", "0004_case_outcomes"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="caseoutcome",
            index=models.Index(
                condition=models.Q(("customer__isnull", False)),
                fields=["business", "opened_at"],
                include=("customer", "bought_at", "better_at"),
                name="caseoutcome_known",
            ),
        ),
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="caseoutcome",
            index=models.Index(
                condition=models.Q(("customer__isnull", True)),
                fields=["business", "opened_at"],
                name="caseoutcome_anonymous",
            ),
        ),
        migrations.RemoveIndex(model_name="caseoutcome", name="caseoutcome_period"),
    ]
