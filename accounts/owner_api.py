"""Owner-only API: the audit log (/api/v1/audit-entries/) and the business's settings
(/api/v1/business-settings/)."""

from __future__ import annotations

import base64
import binascii

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .access import OWNER_ONLY
from .api import BusinessScopedViewSet, acting_user
from .audit_log import NO_PERSON, api_key_speaks_for_owner, audit_entries
from .branding import (
    LOGO_MAX_BYTES,
    business_look_update,
    clean_brand_colour,
    clean_logo,
    logo_too_large,
    logo_url,
)
from .business_settings import (
    NAME_MAX_LENGTH,
    RETENTION_MAX_MONTHS,
    SETTING_CHECKS,
    business_settings_update,
    clean_business_name,
    clean_time_zone,
)
from .forms import field_checked
from .models import ApiKey, AuditEntry, Business, Industry
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


# Base64 grows 3 bytes into 4 characters; a little more for a "data:image/...;base64," head.
LOGO_BASE64_MAX_CHARS = -(-LOGO_MAX_BYTES // 3) * 4 + 64


class BusinessSettingsSerializer(serializers.Serializer):
    name = serializers.CharField(
        max_length=NAME_MAX_LENGTH,
        allow_blank=True,  # refused by the service's check, in the page's words
        help_text="The business's name, shown to customers: one line. Questions already "
        "written keep their words.",
    )
    industry = serializers.ChoiceField(
        choices=Industry.choices, help_text="Its survey templates are offered first."
    )
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        help_text="Surveys without a language of their own, e-mails and drafted review "
        "replies are written in it. Questions already written keep their words.",
    )
    retention_months = serializers.IntegerField(
        min_value=1, max_value=RETENTION_MAX_MONTHS, allow_null=True,
        help_text="Personal data and words older than this are anonymised nightly; "
        "null keeps everything.",
    )  # fmt: skip
    brand_colour = serializers.CharField(
        allow_null=True, allow_blank=True, max_length=32,
        help_text="The surveys' colour as #rrggbb; null for the standard blue. Any colour "
        "works: text on it and links are adjusted to WCAG AA contrast.",
    )  # fmt: skip
    logo = serializers.CharField(
        write_only=True, allow_null=True, trim_whitespace=True,
        help_text="The surveys' logo: a PNG, JPEG or WebP image of at most 256 KB, base64 "
        "encoded (a data: URL is accepted too); null removes it.",
    )  # fmt: skip
    time_zone = serializers.CharField(
        max_length=64,
        trim_whitespace=False,  # as the settings page: "UTC " is no zone
        help_text="The IANA time zone (e.g. Europe/Madrid) the business's days are counted "
        "in; changing it recounts every figure kept by day within a few minutes.",
    )
    logo_url = serializers.URLField(
        read_only=True, allow_null=True, help_text="Where the logo is served; null without one."
    )

    def validate_name(self, value: str) -> str:
        return drf_checked(clean_business_name, value)

    def validate_time_zone(self, value: str) -> str:
        if value == self.context["business"].time_zone:
            return value  # kept as it is, even a zone no longer offered
        return drf_checked(clean_time_zone, value)

    def validate_brand_colour(self, value: str | None) -> str:
        return drf_checked(clean_brand_colour, value)

    def validate_logo(self, value: str | None) -> bytes | None:
        if value is None:
            return None
        if len(value) > LOGO_BASE64_MAX_CHARS:
            raise serializers.ValidationError(logo_too_large(len(value) * 3 // 4).message)
        if value.startswith("data:") and "," in value:
            value = value.split(",", 1)[1]
        try:
            content = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError(_("Logo: this is not valid base64.")) from None
        drf_checked(clean_logo, content)
        return content


def drf_checked(check, value):
    """`check(value)` with the service's error as this field's API error."""
    try:
        return field_checked(check, value)
    except DjangoValidationError as error:
        raise serializers.ValidationError(error.messages) from None


def settings_data(request, business: Business) -> dict:
    path = logo_url(business)
    return BusinessSettingsSerializer(
        {
            "name": business.name,
            "industry": business.industry,
            "language": business.language,
            "time_zone": business.time_zone,
            "retention_months": business.retention_months,
            "brand_colour": business.brand_colour or None,
            "logo_url": request.build_absolute_uri(path) if path else None,
        }
    ).data


class BusinessSettingsView(APIView):
    """The business's name, industry, language, time zone, privacy settings and its
    surveys' look (owners, signed in: keys cannot change them)."""

    required_roles = OWNER_ONLY
    allow_api_key = False

    @extend_schema(responses={200: BusinessSettingsSerializer})
    def get(self, request):
        return Response(settings_data(request, request.business))

    @extend_schema(request=BusinessSettingsSerializer, responses={200: BusinessSettingsSerializer})
    def patch(self, request):
        incoming = BusinessSettingsSerializer(
            data=request.data, partial=True, context={"business": request.business}
        )
        incoming.is_valid(raise_exception=True)
        given = incoming.validated_data
        business, actor = request.business, acting_user(request)
        details = {name: given[name] for name in SETTING_CHECKS if name in given}
        look = {name: given[name] for name in ("brand_colour", "logo") if name in given}
        with transaction.atomic():  # all the changes, or none of them
            business_settings_update(business=business, actor=actor, **details)
            if look:
                business_look_update(business=business, actor=actor, **look)
        return Response(settings_data(request, business))
