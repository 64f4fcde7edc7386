from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Location
from customers.models import Customer
from cxplatform.validators import EMAIL_MAX_LENGTH
from textanalysis.serializers import SentimentSerializer

from ..models import Interaction, InteractionChannel, Mood
from ..touchpoints import TouchpointSerializer, touchpoints_to_pick


class InteractionSerializer(serializers.ModelSerializer):
    customer = serializers.UUIDField(source="customer.uuid", allow_null=True, read_only=True)
    staff = serializers.EmailField(source="staff.email", allow_null=True, read_only=True)
    location = serializers.UUIDField(source="location.uuid", allow_null=True, read_only=True)
    touchpoint = TouchpointSerializer(allow_null=True, read_only=True)
    sentiment = serializers.SerializerMethodField()

    class Meta:
        model = Interaction
        fields = [
            "uuid", "created_at", "customer", "staff", "location", "channel", "touchpoint",
            "note", "mood", "outcome", "follow_up_needed", "sentiment",
        ]  # fmt: skip

    @extend_schema_field(SentimentSerializer(allow_null=True))
    def get_sentiment(self, interaction: Interaction) -> dict | None:
        """Null until a worker has scored the note; then the score, the label and the
        words and aspects behind them."""
        if not interaction.is_scored:
            return None
        return SentimentSerializer(interaction).data


class NewCustomerSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True, max_length=EMAIL_MAX_LENGTH)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)


class InteractionCreateSerializer(serializers.Serializer):
    """Input for logging an interaction; customer and location must be the business's own."""

    customer = serializers.UUIDField(required=False, allow_null=True)
    new_customer = NewCustomerSerializer(required=False)
    location = serializers.UUIDField(required=False, allow_null=True)
    channel = serializers.ChoiceField(choices=InteractionChannel.choices)
    touchpoint = serializers.UUIDField(
        required=False, allow_null=True, help_text="The uuid of a touchpoint of the journey."
    )
    note = serializers.CharField(max_length=10_000, trim_whitespace=False)
    mood = serializers.ChoiceField(choices=Mood.choices, required=False, allow_blank=True)
    outcome = serializers.CharField(max_length=200, required=False, allow_blank=True)
    follow_up_needed = serializers.BooleanField(required=False, default=False)

    def validate_customer(self, value):
        if value is None:
            return None
        customer = Customer.objects.filter(business=self.context["business"], uuid=value).first()
        if customer is None:
            raise serializers.ValidationError(_("This business has no such customer."))
        return customer

    def validate_location(self, value):
        if value is None:
            return None
        location = Location.objects.filter(business=self.context["business"], uuid=value).first()
        if location is None:
            raise serializers.ValidationError(_("This business has no such location."))
        return location

    def validate_touchpoint(self, value):
        if value is None:
            return None
        touchpoint = touchpoints_to_pick(business_id=self.context["business"].pk).filter(uuid=value)
        if not touchpoint:
            raise serializers.ValidationError(_("Choose a touchpoint of your journey."))
        return touchpoint.get()

    def validate_note(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(_("Say what happened."))
        return value
