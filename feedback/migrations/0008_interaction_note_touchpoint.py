"""The journey map's newest scored notes per touchpoint (journeys.selectors
comments_sample), built without stopping the table's writes."""

from django.conf import settings
from django.db import migrations, models

from cxplatform.migration_ops import AddIndexConcurrentlyOnPostgreSQL


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0004_business_brand"),
        ("customers", "0004_customer_erasure"),
        ("feedback", "0007_response_answer_drop_prefix_indexes"),
        ("journeys", "0004_aspect_days"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="interaction",
            index=models.Index(
                condition=models.Q(("sentiment_label__in", ["positive", "neutral", "negative"])),
                fields=["touchpoint", "created_at"],
                name="interaction_note_touchpoint",
            ),
        ),
    ]
