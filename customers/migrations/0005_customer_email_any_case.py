"""The import finds a file's customers by e-mail in any case (customers_by_email):
an index on the business and the lower-case e-mail serves it. Built without stopping
the table's writes on PostgreSQL (CONCURRENTLY, outside a transaction)."""

import django.db.models.functions.text
from django.db import migrations, models

from cxplatform.migration_ops import AddIndexConcurrentlyOnPostgreSQL


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0004_business_brand"),
        ("customers", "0004_customer_erasure"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="customer",
            index=models.Index(
                models.F("business"),
                django.db.models.functions.text.Lower("email"),
                name="customer_business_email_lower",
            ),
        ),
    ]
