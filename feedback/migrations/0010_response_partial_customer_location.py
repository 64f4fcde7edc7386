"""Index a response's customer and location only where set: most responses are anonymous,
and each NULL entry was a write per submission that no lookup reads (every lookup by
them compares with a value). The partial indexes are built first, without stopping the
table's writes; then the full ones are dropped concurrently (only the indexes: see
cxplatform.migration_ops), so a lookup by customer always has an index and no
submission waits behind the drop."""

import django.db.models.deletion
from django.db import migrations, models

from cxplatform.migration_ops import AddIndexConcurrentlyOnPostgreSQL, AlterFieldIndexOnly


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("feedback", "0009_case_resolved_times"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="response",
            index=models.Index(
                condition=models.Q(("customer__isnull", False)),
                fields=["customer"],
                name="response_customer",
            ),
        ),
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="response",
            index=models.Index(
                condition=models.Q(("location__isnull", False)),
                fields=["location"],
                name="response_location",
            ),
        ),
        AlterFieldIndexOnly(
            model_name="response",
            name="customer",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                to="customers.customer",
            ),
            keep=("response_customer",),
            concurrently=True,
        ),
        AlterFieldIndexOnly(
            model_name="response",
            name="location",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                to="accounts.location",
            ),
            keep=("response_location",),
            concurrently=True,
        ),
    ]
