from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from accounts.models import Location

from ..models import Provider, RequestStatus, ReviewRequest, ReviewSource
from ..review_requests import MAX_DAYS, Audience
from ..selectors import connector_class
from .services import MAX_SECRET_CHARS, POLL_MINUTES_MAX, POLL_MINUTES_MIN


class RefusesUnknownFields(serializers.Serializer):
    """A field the API does not take is an error naming it, never silently dropped."""

    def unknown_field_message(self, name: str) -> str:
        return _("Not a field of this request.")

    def to_internal_value(self, data):
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, dict) else []
        errors = {name: [self.unknown_field_message(name)] for name in unknown}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({**error.detail, **errors}) from None
        if errors:
            raise serializers.ValidationError(errors)
        return value


class ReviewSourceSerializer(serializers.ModelSerializer):
    location = serializers.UUIDField(source="location.uuid", allow_null=True, read_only=True)
    review_count = serializers.IntegerField(read_only=True, default=0)
    limits_note = serializers.SerializerMethodField()
    # Plain strings: empty when unset, which a "uri" format would declare impossible.
    base_url = serializers.CharField(
        read_only=True, help_text="The site's API address; empty: the default."
    )
    review_page_url = serializers.CharField(
        read_only=True, help_text="Where customers write a review; empty if not known."
    )

    class Meta:
        model = ReviewSource
        fields = [
            "uuid", "created_at", "provider", "name", "location", "external_id", "base_url",
            "review_page_url", "poll_interval_minutes", "is_active", "health", "last_polled_at",
            "last_success_at", "last_error", "last_error_at", "failures", "next_poll_at",
            "secret_hint", "review_count", "limits_note", "archived_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_limits_note(self, source: ReviewSource) -> str:
        connector = connector_class(source.provider)
        return str(connector.limits_note) if connector else ""


class ReviewSourceWriteSerializer(RefusesUnknownFields):
    """What a client may set. `secrets` are write-only: no answer ever contains them
    (`secret_hint` shows the last characters of the main one)."""

    provider = serializers.ChoiceField(choices=Provider.choices)
    name = serializers.CharField(max_length=120)
    location = serializers.UUIDField(allow_null=True, required=False)
    external_id = serializers.CharField(max_length=500, allow_blank=True, required=False)
    base_url = serializers.CharField(max_length=500, allow_blank=True, required=False)
    review_page_url = serializers.CharField(max_length=1000, allow_blank=True, required=False)
    poll_interval_minutes = serializers.IntegerField(
        min_value=POLL_MINUTES_MIN, max_value=POLL_MINUTES_MAX, required=False
    )
    secrets = serializers.DictField(
        child=serializers.CharField(max_length=MAX_SECRET_CHARS, allow_blank=True),
        write_only=True, required=False,
        help_text="Credentials by key (see the provider's secret fields); never returned.",
    )  # fmt: skip

    def __init__(self, *args, updating: bool = False, **kwargs) -> None:
        super().__init__(*args, partial=updating, **kwargs)
        if updating:  # a source stays with its site; connect a new one to change it
            del self.fields["provider"]

    def unknown_field_message(self, name: str) -> str:
        if name == "provider":
            return _("The site of a source cannot change; connect a new source instead.")
        return super().unknown_field_message(name)

    def validate_location(self, value) -> Location | None:
        if value is None:
            return None
        business = self.context["business"]
        location = Location.objects.filter(business=business, uuid=value).first()
        if location is None:
            raise serializers.ValidationError(_("No such location."))
        return location


class ReviewRequestSerializer(serializers.ModelSerializer):
    customer = serializers.UUIDField(source="customer.uuid", read_only=True)
    source = serializers.UUIDField(source="source.uuid", read_only=True)
    status = serializers.ChoiceField(choices=RequestStatus.choices, read_only=True)

    class Meta:
        model = ReviewRequest
        fields = ["uuid", "created_at", "customer", "source", "status", "sent_at", "clicked_at",
                  "error"]  # fmt: skip
        read_only_fields = fields


class ReviewRequestCreateSerializer(RefusesUnknownFields):
    """Who to ask. There is deliberately no filter by rating, sentiment or score."""

    source = serializers.UUIDField()
    audience = serializers.ChoiceField(choices=Audience.CHOICES)
    days = serializers.IntegerField(
        min_value=1, max_value=MAX_DAYS, required=False, allow_null=True
    )

    def unknown_field_message(self, name: str) -> str:
        return _(
            "Not a setting: every customer in the group is asked alike. Asking only happy "
            "customers (review gating) breaks Google's and Yelp's rules, so the platform "
            "does not offer it."
        )

    def validate_source(self, value) -> ReviewSource:
        source = (
            ReviewSource.objects.filter(business=self.context["business"], uuid=value)
            .exclude(review_page_url="")
            .filter(archived_at=None)
            .first()
        )
        if source is None:
            raise serializers.ValidationError(
                _("No live source of this business with a page where customers write a review.")
            )
        return source


class PlanSerializer(serializers.Serializer):
    asked = serializers.IntegerField()
    skipped = serializers.DictField(child=serializers.IntegerField())
