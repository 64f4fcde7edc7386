"""AspectMention's standalone indexes on aspect_key (and its "_like" twin) and business:
the composite indexes cover every read, and inserts update 4 indexes instead of 7. Only
the indexes are dropped (see cxplatform.migration_ops): the business foreign key stays."""

import django.db.models.deletion
from django.db import migrations, models

from cxplatform.migration_ops import AlterFieldIndexOnly

class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_business_brand"),
        ("textanalysis", "0004_insightsettings_webhook_secret"),
    ]

    operations = [
        AlterFieldIndexOnly(
            model_name="aspectmention",
            name="aspect_key",
            field=models.SlugField(db_index=False, max_length=40),
        ),
        AlterFieldIndexOnly(
            model_name="aspectmention",
            name="business",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.business",
            ),
        ),
    ]
