"""An aspect mention's business is a copy of its text's, written in the same statement
as the text's score: its own constraint goes (see accounts.models.BUSINESS_COPY), and
with it one check, and one lock of the business's row, per mention a worker writes. And
mention_trend goes: mention_period serves every read of the mentions (a business's
period, its first mention), so it was one index write per mention that nothing needed.
It is dropped without stopping the table's writes."""

import django.db.models.deletion
from django.db import migrations, models

from cxplatform.migration_ops import RemoveIndexConcurrentlyOnPostgreSQL


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0004_business_brand"),
        ("textanalysis", "0005_mention_lean_indexes"),
    ]

    operations = [
        RemoveIndexConcurrentlyOnPostgreSQL(model_name="aspectmention", name="mention_trend"),
        migrations.AlterField(
            model_name="aspectmention",
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
