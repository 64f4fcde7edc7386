"""The export's format (also its OpenAPI description) and the erasure record's.

Staff appear in no export: who recorded a consent or wrote a case note is the business's
own information about its staff, not the customer's data.
"""

from __future__ import annotations

from rest_framework import serializers

from customers.models import ConsentEvent, Customer, Erasure, Purchase
from feedback.models import Answer, CaseNote, FollowUpCase, Interaction, Invitation, Response
from reputation.models import ReviewRequest


def named(path: str) -> serializers.CharField:
    """The name of a related row, or null when there is none."""
    return serializers.CharField(source=path, allow_null=True, read_only=True)


class ExportSentimentSerializer(serializers.Serializer):
    label = serializers.CharField(source="sentiment_label")
    score = serializers.FloatField(source="sentiment_score", allow_null=True)


class ProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["uuid", "created_at", "name", "email", "phone", "tags", "erased_at"]


class ConsentEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConsentEvent
        fields = ["created_at", "change", "source", "detail"]


class ConsentSerializer(serializers.Serializer):
    """The customer's consent now, and every change of it with its time and source."""

    to_contact = serializers.BooleanField(source="customer.consent_to_contact")
    recorded_at = serializers.DateTimeField(source="customer.consent_recorded_at", allow_null=True)
    source = serializers.CharField(source="customer.consent_source")
    email_opt_out_at = serializers.DateTimeField(
        source="customer.email_opt_out_at", allow_null=True
    )
    history = ConsentEventSerializer(source="consent_events", many=True)


class PurchaseExportSerializer(serializers.ModelSerializer):
    location = named("location.name")

    class Meta:
        model = Purchase
        fields = ["uuid", "purchased_at", "amount", "currency", "order_reference", "location"]


class AnswerExportSerializer(serializers.ModelSerializer):
    question = serializers.CharField(source="question.prompt")
    kind = serializers.CharField(source="question.kind")
    sentiment = ExportSentimentSerializer(source="*")

    class Meta:
        model = Answer
        fields = ["question", "kind", "number", "choices", "text", "sentiment"]


class ResponseExportSerializer(serializers.ModelSerializer):
    survey = serializers.CharField(source="survey.name")
    location = named("location.name")
    answers = AnswerExportSerializer(many=True)

    class Meta:
        model = Response
        fields = [
            "uuid", "created_at", "survey", "channel", "location", "contact_requested",
            "contact_email", "answers",
        ]  # fmt: skip


class InteractionExportSerializer(serializers.ModelSerializer):
    touchpoint = named("touchpoint.name")
    location = named("location.name")
    sentiment = ExportSentimentSerializer(source="*")

    class Meta:
        model = Interaction
        fields = [
            "uuid", "created_at", "channel", "touchpoint", "location", "note", "mood", "outcome",
            "follow_up_needed", "sentiment",
        ]  # fmt: skip


class CaseNoteExportSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseNote
        fields = ["created_at", "text"]


class CaseExportSerializer(serializers.ModelSerializer):
    response = serializers.UUIDField(source="response.uuid", allow_null=True, read_only=True)
    interaction = serializers.UUIDField(source="interaction.uuid", allow_null=True, read_only=True)
    notes = CaseNoteExportSerializer(many=True)

    class Meta:
        model = FollowUpCase
        fields = [
            "uuid", "created_at", "reason", "status", "due_at", "contacted_at", "resolved_at",
            "response", "interaction", "notes",
        ]  # fmt: skip


class ReviewRequestExportSerializer(serializers.ModelSerializer):
    site = serializers.CharField(source="source.name")

    class Meta:
        model = ReviewRequest
        fields = ["uuid", "created_at", "site", "status", "sent_at", "clicked_at"]


class InvitationExportSerializer(serializers.ModelSerializer):
    survey = serializers.CharField(source="survey.name")

    class Meta:
        model = Invitation
        fields = [
            "uuid", "created_at", "survey", "status", "send_at", "sent_at", "reminded_at",
            "answered_at",
        ]  # fmt: skip


class ErasureSerializer(serializers.ModelSerializer):
    """An erasure record: when, and how many rows each kind of data was removed from.
    `erased_by` is the member's e-mail address (null for an API key)."""

    erased_at = serializers.DateTimeField(source="created_at")
    erased_by = serializers.EmailField(source="erased_by.email", allow_null=True, read_only=True)
    customer = serializers.UUIDField(source="customer.uuid", allow_null=True, read_only=True)
    counts = serializers.DictField(child=serializers.IntegerField())

    class Meta:
        model = Erasure
        fields = ["uuid", "customer", "erased_at", "erased_by", "counts"]


class ErasureInExportSerializer(serializers.ModelSerializer):
    erased_at = serializers.DateTimeField(source="created_at")
    counts = serializers.DictField(child=serializers.IntegerField())

    class Meta:
        model = Erasure
        fields = ["uuid", "erased_at", "counts"]


class CustomerExportSerializer(serializers.Serializer):
    """Everything the business holds about one customer (privacy.selectors.CustomerData)."""

    exported_at = serializers.DateTimeField()
    business = serializers.CharField()
    profile = ProfileSerializer(source="data.customer")
    consent = ConsentSerializer(source="data")
    purchases = PurchaseExportSerializer(source="data.purchases", many=True)
    survey_responses = ResponseExportSerializer(source="data.responses", many=True)
    interactions = InteractionExportSerializer(source="data.interactions", many=True)
    cases = CaseExportSerializer(source="data.cases", many=True)
    review_requests = ReviewRequestExportSerializer(source="data.review_requests", many=True)
    invitations = InvitationExportSerializer(source="data.invitations", many=True)
    erasures = ErasureInExportSerializer(source="data.erasures", many=True)
