"""Owner-only API: the audit log (/api/v1/audit-entries/) and the business's settings
(/api/v1/business-settings/)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .access import OWNER_ONLY
from .api import BusinessScopedViewSet, acting_user
from .audit_log import NO_PERSON, api_key_speaks_for_owner, audit_entries
from .business_settings import RETENTION_MAX_MONTHS, business_settings_update
from .models import ApiKey, AuditEntry
from .permissions import IsBusinessMember


class OwnerOrOwnersKey(IsBusinessMember):
    """Signed-in owners (the view's `required_roles`), or a key its business's owner made."""

    def _check_api_key(self, request, view, api_key: ApiKey) -> bool:
        allowed = super()._check_api_key(request, view, api_key)
        if not api_key_speaks_for_owner(api_key=api_key):
            raise exceptions.PermissionDenied(_("Only a key made by an owner reads this."))
        return allowed


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.EmailField(
        source="actor.email", allow_null=True, read_only=True,
        help_text="The member's e-mail address; null for API keys, schedules and customers.",
    )  # fmt: skip

    class Meta:
        model = AuditEntry
        fields = ["uuid", "created_at", "actor", "action", "target", "detail"]
        read_only_fields = fields


class AuditEntryViewSet(mixins.ListModelMixin, BusinessScopedViewSet):
    """Who viewed, exported, erased or changed what, newest first (owners only)."""

    model = AuditEntry
    serializer_class = AuditEntrySerializer
    required_roles = OWNER_ONLY
    permission_classes = [OwnerOrOwnersKey]

    def scoped_queryset(self, business):
        params = self.request.query_params
        return audit_entries(
            business=business, action=params.get("action", "")[:64],
            person=params.get("actor", "")[:254],
        )  # fmt: skip

    @extend_schema(
        parameters=[
            OpenApiParameter("action", str, description="Only this action, e.g. customer.erase"),
            OpenApiParameter(
                "actor", str, description=f"Only this member's e-mail; {NO_PERSON!r}: nobody"
            ),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class BusinessSettingsSerializer(serializers.Serializer):
    retention_months = serializers.IntegerField(
        min_value=1, max_value=RETENTION_MAX_MONTHS, allow_null=True,
        help_text="Personal data and words older than this are anonymised nightly; "
        "null keeps everything.",
    )  # fmt: skip


class BusinessSettingsView(APIView):
    """The business's privacy settings (owners, signed in: keys cannot change them)."""

    required_roles = OWNER_ONLY
    allow_api_key = False

    @extend_schema(responses={200: BusinessSettingsSerializer})
    def get(self, request):
        return Response(BusinessSettingsSerializer(request.business).data)

    @extend_schema(request=BusinessSettingsSerializer, responses={200: BusinessSettingsSerializer})
    def patch(self, request):
        incoming = BusinessSettingsSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        business = request.business
        if "retention_months" in incoming.validated_data:
            business = business_settings_update(
                business=business, actor=acting_user(request), **incoming.validated_data
            )
        return Response(BusinessSettingsSerializer(business).data)
