"""Members get a public uuid (for the team page and API) and businesses can invite people.

The uuid is added in three steps, as Django documents for unique fields on tables that
already have rows: nullable, filled row by row, then unique and required.
"""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def give_each_membership_a_uuid(apps, schema_editor):
    Membership = apps.get_model("accounts", "Membership")
    pending = list(Membership.objects.filter(uuid=None).only("pk"))
    for membership in pending:
        membership.uuid = uuid.uuid4()
    Membership.objects.bulk_update(pending, ["uuid"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="uuid",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(give_each_membership_a_uuid, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="membership",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.CreateModel(
            name="TeamInvitation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("email", models.EmailField(max_length=254)),
                ("role", models.CharField(choices=[("owner", "Owner"), ("manager", "Manager"), ("staff", "Staff")], max_length=16)),
                ("token_hash", models.CharField(max_length=64, unique=True)),
                ("expires_at", models.DateTimeField()),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                ("accepted_at", models.DateTimeField(blank=True, null=True)),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                ("accepted_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("business", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.business")),
                ("invited_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "constraints": [models.UniqueConstraint(condition=models.Q(("accepted_at", None), ("revoked_at", None)), fields=("business", "email"), name="team_invitation_one_open")],
            },
        ),
    ]
