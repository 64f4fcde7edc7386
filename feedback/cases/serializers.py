from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from accounts.models import User

from ..models import CaseNote, CaseStatus, FollowUpCase
from .selectors import case_contact


class CaseNoteSerializer(serializers.ModelSerializer):
    author = serializers.EmailField(source="author.email", allow_null=True, read_only=True)

    class Meta:
        model = CaseNote
        fields = ["uuid", "created_at", "author", "text"]
        read_only_fields = ["uuid", "created_at", "author"]


class CaseSerializer(serializers.ModelSerializer):
    customer = serializers.UUIDField(source="customer.uuid", allow_null=True, read_only=True)
    response = serializers.UUIDField(source="response.uuid", allow_null=True, read_only=True)
    interaction = serializers.UUIDField(source="interaction.uuid", allow_null=True, read_only=True)
    assignee = serializers.EmailField(source="assignee.email", allow_null=True, read_only=True)
    notes = CaseNoteSerializer(many=True, read_only=True)
    contact_refusal = serializers.SerializerMethodField(
        help_text="Why the customer must not be contacted about this case; empty when they may."
    )

    class Meta:
        model = FollowUpCase
        fields = [
            "uuid", "created_at", "reason", "status", "customer", "response", "interaction",
            "assignee", "due_at", "contacted_at", "resolved_at", "contact_refusal", "notes",
        ]  # fmt: skip

    def get_contact_refusal(self, case: FollowUpCase) -> str:
        return case_contact(case).refusal


class CaseUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CaseStatus.choices, required=False)
    assignee = serializers.EmailField(required=False, allow_null=True)
    due_at = serializers.DateTimeField(required=False)

    def validate_assignee(self, email):
        if email is None:
            return None
        user = User.objects.filter(
            email__iexact=email, memberships__business=self.context["business"]
        ).first()
        if user is None:
            raise serializers.ValidationError(_("No member of this business has this e-mail."))
        return user
