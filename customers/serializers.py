from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from accounts.models import Location
from cxplatform.validators import EMAIL_MAX_LENGTH

from .consent import contact_refusal
from .importing import ENCODINGS, FIELDS
from .imports import import_preview
from .models import Customer, CustomerImport, ImportStatus, Purchase


class CustomerSerializer(serializers.ModelSerializer):
    contact_refusal = serializers.SerializerMethodField(
        help_text="Why invitations, reminders and review requests are not sent to this "
        "customer (no e-mail, unsubscribed, no consent); empty when they may be."
    )

    class Meta:
        model = Customer
        fields = [
            "uuid", "created_at", "name", "email", "phone", "consent_to_contact",
            "consent_recorded_at", "consent_source", "email_opt_out_at", "contact_refusal",
            "tags",
        ]  # fmt: skip
        read_only_fields = [
            "uuid", "created_at", "consent_recorded_at", "consent_source", "email_opt_out_at",
        ]  # fmt: skip
        extra_kwargs = {"tags": {"required": False}}

    def get_contact_refusal(self, customer: Customer) -> str:
        return contact_refusal(customer)

    def validate_tags(self, tags):
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise serializers.ValidationError(_("A list of words."))
        return tags


class PurchaseSerializer(serializers.ModelSerializer):
    customer = serializers.UUIDField(source="customer.uuid")
    location = serializers.UUIDField(source="location.uuid", allow_null=True, default=None)

    class Meta:
        model = Purchase
        fields = [
            "uuid", "customer", "purchased_at", "amount", "currency", "order_reference", "location",
        ]  # fmt: skip


class PurchaseInSerializer(serializers.Serializer):
    """One purchase from a till: the customer by uuid, or by e-mail (created if new)."""

    customer = serializers.UUIDField(required=False)
    customer_email = serializers.EmailField(required=False, max_length=EMAIL_MAX_LENGTH)
    customer_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    purchased_at = serializers.DateTimeField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", default="EUR")
    order_reference = serializers.CharField(required=False, allow_blank=True, max_length=100)
    location = serializers.UUIDField(required=False, allow_null=True)

    def validate(self, data):
        business = self.context["business"]
        if not data.get("customer") and not data.get("customer_email"):
            raise serializers.ValidationError(
                {"customer": [_("Give the customer's uuid or e-mail.")]}
            )
        if data.get("customer"):
            customer = Customer.objects.filter(business=business, uuid=data["customer"]).first()
            if customer is None:
                raise serializers.ValidationError({"customer": [_("No such customer.")]})
            data["customer"] = customer
        if data.get("location"):
            location = Location.objects.filter(business=business, uuid=data["location"]).first()
            if location is None:
                raise serializers.ValidationError({"location": [_("No such location.")]})
            data["location"] = location
        return data


class PurchaseBatchSerializer(serializers.Serializer):
    purchases = PurchaseInSerializer(many=True, allow_empty=False, max_length=1000)


class CustomerImportSerializer(serializers.ModelSerializer):
    mapping = serializers.SerializerMethodField()
    options = serializers.SerializerMethodField()

    class Meta:
        model = CustomerImport
        fields = [
            "uuid", "created_at", "file_name", "status", "encoding", "headers", "mapping",
            "options", "total_rows", "processed_rows", "progress_percent", "taken", "merged",
            "refused", "refusals", "failure", "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {
            "taken": {"help_text": "Rows that matched nothing already known: each added a "
                      "new customer (and their purchase, if the row had one)."},
            "merged": {"help_text": "Rows that matched a customer by e-mail (the purchase is "
                       "added to them; their details are not changed) or a purchase by "
                       "order reference (it is updated), stored before or added by an "
                       "earlier row of the file. Before 2026-11-25, a known customer with "
                       "a new order counted as taken."},
            "refused": {"help_text": "Rows left out; `refusals` lists the first 1,000 with "
                        "the reason."},
        }  # fmt: skip

    def get_mapping(self, job: CustomerImport) -> dict[str, str]:
        return {k: v for k, v in job.mapping.items() if k != "_options"}

    def get_options(self, job: CustomerImport) -> dict:
        return job.mapping.get("_options", {})


class CustomerImportDetailSerializer(CustomerImportSerializer):
    preview = serializers.SerializerMethodField(
        help_text="The first data rows as read, while the import waits for its mapping."
    )

    class Meta(CustomerImportSerializer.Meta):
        fields = [*CustomerImportSerializer.Meta.fields, "preview"]
        read_only_fields = fields

    def get_preview(self, job: CustomerImport) -> list[list[str]]:
        if job.status != ImportStatus.UPLOADED:
            return []
        return import_preview(customer_import=job)


class CustomerImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The CSV, up to 20 MB.")
    encoding = serializers.ChoiceField(
        choices=[k for k in ENCODINGS if k], required=False, allow_blank=True, default=""
    )


class CustomerImportEncodingSerializer(serializers.Serializer):
    encoding = serializers.ChoiceField(choices=list(ENCODINGS))


class CustomerImportStartSerializer(serializers.Serializer):
    mapping = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=255),
        help_text="Our field (" + ", ".join(FIELDS) + ") -> the CSV column that holds it.",
    )
    day_first = serializers.BooleanField(default=True)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", default="EUR")
