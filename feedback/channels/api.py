from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from accounts.access import MANAGER_ROLES
from accounts.api import BusinessScopedViewSet
from customers.consent import REFUSALS, contact_refusal
from customers.models import Customer

from ..models import Invitation, Survey
from .invitations import already_invited_message, invitations_create
from .selectors import customers_to_invite


class InvitationSerializer(serializers.ModelSerializer):
    survey = serializers.UUIDField(source="survey.uuid")
    customer = serializers.UUIDField(source="customer.uuid")
    refusal = serializers.ChoiceField(
        choices=list(REFUSALS.items()), allow_blank=True, read_only=True,
        help_text="Why it (status `skipped`) or its reminder was not sent, when the customer "
        "must not be e-mailed: `no_email`, `opted_out` or `no_consent`; empty otherwise. "
        "`note` says it in words, in the language it was written in: branch on this instead.",
    )  # fmt: skip

    class Meta:
        model = Invitation
        fields = [
            "uuid", "survey", "customer", "status", "note", "refusal", "send_at", "sent_at",
            "reminded_at", "answered_at",
        ]  # fmt: skip


class InvitedSerializer(serializers.Serializer):
    """What an invitation batch made, and whom it left alone."""

    invitations = InvitationSerializer(many=True, help_text="The rows this batch made.")
    already_invited = serializers.ListField(
        child=serializers.UUIDField(),
        help_text="The customers left alone: invited to the survey in the last 30 days.",
    )
    detail = serializers.CharField(help_text="The same, in words; empty when none.")


class InviteSerializer(serializers.Serializer):
    survey = serializers.UUIDField()
    customers = serializers.ListField(child=serializers.UUIDField(), required=False, default=list)
    everyone_consenting = serializers.BooleanField(required=False, default=False)

    def validate_survey(self, value) -> Survey:
        survey = Survey.objects.filter(business=self.context["business"], uuid=value).first()
        if survey is None:
            raise serializers.ValidationError(_("This business has no such survey."))
        return survey

    def validate_customers(self, values) -> list[Customer]:
        found = list(Customer.objects.filter(business=self.context["business"], uuid__in=values))
        if len(found) != len(set(values)):
            raise serializers.ValidationError(_("Some of these are not this business's customers."))
        # Named one by one, each must be someone the business may e-mail: the caller
        # hears who is refused and why, and nobody is invited.
        refused = [f"{c.uuid}: {reason}" for c in found if (reason := contact_refusal(c))]
        if refused:
            raise serializers.ValidationError(refused)
        return found


class InvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BusinessScopedViewSet):
    """E-mail invitations: who was asked, when, and whether they answered."""

    model = Invitation
    serializer_class = InvitationSerializer
    required_roles = MANAGER_ROLES

    def scoped_queryset(self, business):
        return Invitation.objects.select_related("survey", "customer")

    @extend_schema(request=InviteSerializer, responses={201: InvitedSerializer})
    def create(self, request):
        """Invite customers by uuid, or everyone who agreed to be contacted.

        A customer named in `customers` who may not be e-mailed (no address,
        unsubscribed, no consent) refuses the request with a 400 naming them and why.
        One invited to the survey in the last 30 days (waiting, sent or answered) is not
        invited again and gets no new row: `already_invited` lists them, and `detail`
        says how many in words ("" when there are none).
        """
        incoming = InviteSerializer(data=request.data, context={"business": request.business})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        chosen = customers_to_invite(
            business=request.business,
            emails=[],
            everyone_consenting=data["everyone_consenting"],
        )
        outcome = invitations_create(survey=data["survey"], customers=[*data["customers"], *chosen])
        left_alone = outcome.already_invited
        body = {
            "invitations": InvitationSerializer(outcome.invitations, many=True).data,
            "already_invited": [str(c.uuid) for c in left_alone],
            "detail": already_invited_message(len(left_alone)) if left_alone else "",
        }
        return Response(body, status=status.HTTP_201_CREATED)
