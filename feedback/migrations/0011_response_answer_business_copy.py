"""A response's and an answer's business is a copy of their parent's, written in the same
statement; the parent's foreign key holds it in the database. Their own constraints go:
each check locked the business's row, the one row all of a business's submissions share
(see accounts.models.BUSINESS_COPY). And a response's customer-and-time index
holds the responses with a known customer only, as response_customer does: every lookup
by it names a customer. The new index is built first and the old one dropped after, both
without stopping the table's writes."""

import django.db.models.deletion
from django.db import migrations, models

from cxplatform.migration_ops import (
    AddIndexConcurrentlyOnPostgreSQL,
    RemoveIndexConcurrentlyOnPostgreSQL,
)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0004_business_brand"),
        ("customers", "0004_customer_erasure"),
        ("feedback", "0010_response_partial_customer_location"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="response",
            index=models.Index(
                condition=models.Q(("customer__isnull", False)),
                fields=["business", "customer", "created_at"],
                name="response_known_customer_time",
            ),
        ),
        RemoveIndexConcurrentlyOnPostgreSQL(
            model_name="response",
            name="response_customer_time",
        ),
        migrations.AlterField(
            model_name="answer",
            name="business",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.business",
            ),
        ),
        migrations.AlterField(
            model_name="response",
            name="business",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.business",
            ),
        ),
    ]
