"""The journey's structure in the API: stages and touchpoints, and what changes them."""

from __future__ import annotations

from uuid import UUID

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import Journey, Stage, Touchpoint

NAME_MAX = 100
ORDER_MAX = 1000


class StructureTouchpointSerializer(serializers.ModelSerializer):
    stage = serializers.UUIDField(source="stage.uuid", read_only=True)
    # A plain string: a touchpoint added by hand has an empty key, which the SlugField's
    # pattern would declare impossible.
    key = serializers.CharField(
        read_only=True, help_text="Stable name from the ready-made journey; empty if added."
    )
    archived = serializers.SerializerMethodField(
        help_text="Archived: staff and new surveys cannot pick it; its history stays."
    )

    class Meta:
        model = Touchpoint
        fields = ["uuid", "name", "key", "stage", "position", "archived", "archived_at"]
        read_only_fields = fields

    def get_archived(self, touchpoint: Touchpoint) -> bool:
        return touchpoint.archived_at is not None


class StructureStageSerializer(serializers.ModelSerializer):
    archived = serializers.SerializerMethodField(
        help_text="Archived stages leave the map's columns; their touchpoints keep history."
    )
    touchpoints = StructureTouchpointSerializer(many=True, read_only=True)

    class Meta:
        model = Stage
        fields = ["uuid", "name", "position", "archived", "archived_at", "touchpoints"]
        read_only_fields = fields

    def get_archived(self, stage: Stage) -> bool:
        return stage.archived_at is not None


class JourneyStructureSerializer(serializers.ModelSerializer):
    template = serializers.CharField(
        read_only=True, help_text="The ready-made journey it started from; empty if none."
    )
    stages = StructureStageSerializer(many=True, read_only=True)

    class Meta:
        model = Journey
        fields = ["uuid", "name", "template", "stages"]
        read_only_fields = fields


class StageNameSerializer(serializers.Serializer):
    """Input for a stage; the service decides what is valid (same rules as the browser)."""

    name = serializers.CharField(max_length=NAME_MAX, allow_blank=True)


@extend_schema_field(OpenApiTypes.UUID)
class BusinessStageField(serializers.RelatedField):
    """A stage of the caller's business, by uuid; anything else is refused naming the field."""

    default_error_messages = {"unknown": _("Choose a stage of your journey.")}

    def get_queryset(self):
        return Stage.objects.filter(business=self.context["request"].business)

    def to_internal_value(self, data) -> Stage:
        try:
            uuid = UUID(str(data))
        except ValueError:
            self.fail("unknown")
        stage = self.get_queryset().filter(uuid=uuid).first()
        if stage is None:
            self.fail("unknown")
        return stage

    def to_representation(self, value: Stage) -> str:
        return str(value.uuid)


class TouchpointWriteSerializer(serializers.Serializer):
    """Input for a touchpoint. Changing `stage` moves it to the end of that stage."""

    stage = BusinessStageField(help_text="The uuid of a live stage of the journey.")
    name = serializers.CharField(max_length=NAME_MAX, allow_blank=True)


class ReorderSerializer(serializers.Serializer):
    order = serializers.ListField(
        child=serializers.UUIDField(), max_length=ORDER_MAX, allow_empty=True,
        help_text="Every uuid, archived ones included, each exactly once, in the new order.",
    )  # fmt: skip
