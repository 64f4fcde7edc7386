"""The journey's structure over the API: read by every member, changed by owners and managers.

Stages and touchpoints are archived, never deleted: what they heard stays on the map.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import ALL_ROLES, MANAGER_ROLES
from accounts.api import BusinessScopedViewSet
from accounts.models import Business

from .models import Journey, Stage, Touchpoint
from .selectors import journey_for
from .serializers import (
    JourneyStructureSerializer,
    ReorderSerializer,
    StageNameSerializer,
    StructureStageSerializer,
    StructureTouchpointSerializer,
    TouchpointWriteSerializer,
)
from .services import (
    journey_ensure,
    stage_add,
    stage_archive,
    stage_rename,
    stage_restore,
    stages_reorder,
    touchpoint_add,
    touchpoint_archive,
    touchpoint_restore,
    touchpoint_update,
    touchpoints_reorder,
)

READS = {"list", "retrieve", None}


def journey_structure(business: Business) -> Journey:
    """The business's journey with its stages and touchpoints, made the first time."""
    journey_ensure(business=business)
    return journey_for(business=business)


def order_of(request) -> list[str]:
    incoming = ReorderSerializer(data=request.data)
    incoming.is_valid(raise_exception=True)
    return [str(uuid) for uuid in incoming.validated_data["order"]]


class JourneyView(APIView):
    """The business's journey: its stages in order, each with its touchpoints in order,
    archived ones included and flagged. A business without one gets the ready-made journey
    of its industry."""

    required_roles = ALL_ROLES

    @extend_schema(responses={200: JourneyStructureSerializer})
    def get(self, request):
        return Response(JourneyStructureSerializer(journey_structure(request.business)).data)


class StageViewSet(mixins.RetrieveModelMixin, BusinessScopedViewSet):
    """The journey's stages. Every member reads; owners and managers change them."""

    model = Stage
    serializer_class = StructureStageSerializer

    @property
    def required_roles(self) -> tuple[str, ...]:
        return ALL_ROLES if self.action in READS else MANAGER_ROLES

    def scoped_queryset(self, business):
        return Stage.objects.prefetch_related("touchpoints")

    @extend_schema(request=StageNameSerializer, responses={201: StructureStageSerializer})
    def create(self, request):
        """Add a stage at the end of the journey."""
        incoming = StageNameSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        journey = journey_ensure(business=request.business)
        stage = stage_add(journey=journey, **incoming.validated_data)
        return Response(StructureStageSerializer(stage).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=StageNameSerializer, responses={200: StructureStageSerializer})
    def partial_update(self, request, uuid=None):
        """Rename the stage."""
        stage = self.get_object()
        incoming = StageNameSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        if "name" in incoming.validated_data:
            stage_rename(stage=stage, **incoming.validated_data)
        return Response(StructureStageSerializer(stage).data)

    @extend_schema(request=None, responses={200: StructureStageSerializer})
    @action(detail=True, methods=["post"])
    def archive(self, request, uuid=None):
        """Take the stage off the map with its touchpoints; their history stays."""
        stage_archive(stage=self.get_object())
        return self.fresh_stage()

    @extend_schema(request=None, responses={200: StructureStageSerializer})
    @action(detail=True, methods=["post"])
    def restore(self, request, uuid=None):
        """Bring the stage back with the touchpoints archived together with it."""
        stage_restore(stage=self.get_object())
        return self.fresh_stage()

    @extend_schema(request=ReorderSerializer, responses={200: JourneyStructureSerializer})
    @action(detail=False, methods=["post"])
    def reorder(self, request):
        """Put the stages in the order given: every stage, archived ones included, once."""
        journey = journey_ensure(business=request.business)
        stages_reorder(journey=journey, order=order_of(request))
        return Response(JourneyStructureSerializer(journey_structure(request.business)).data)

    @extend_schema(request=ReorderSerializer, responses={200: StructureStageSerializer})
    @action(
        detail=True, methods=["post"],
        url_path="touchpoints/reorder", url_name="touchpoints-reorder",
    )  # fmt: skip
    def reorder_touchpoints(self, request, uuid=None):
        """Put the stage's touchpoints in the order given: all of them, archived ones
        included, each once."""
        stage = self.get_object()
        touchpoints_reorder(stage=stage, order=order_of(request))
        return self.fresh_stage()

    def fresh_stage(self) -> Response:
        """The stage read again: a change to its touchpoints is not in the first read."""
        return Response(StructureStageSerializer(self.get_object()).data)


class TouchpointViewSet(mixins.RetrieveModelMixin, BusinessScopedViewSet):
    """Where the business meets its customers, stage by stage. Every member reads; owners
    and managers change them."""

    model = Touchpoint
    serializer_class = StructureTouchpointSerializer

    @property
    def required_roles(self) -> tuple[str, ...]:
        return ALL_ROLES if self.action in READS else MANAGER_ROLES

    def scoped_queryset(self, business):
        return Touchpoint.objects.select_related("stage")

    @extend_schema(
        request=TouchpointWriteSerializer, responses={201: StructureTouchpointSerializer}
    )
    def create(self, request):
        """Add a touchpoint at the end of a live stage."""
        incoming = TouchpointWriteSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        incoming.is_valid(raise_exception=True)
        touchpoint = touchpoint_add(**incoming.validated_data)
        body = StructureTouchpointSerializer(touchpoint).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=TouchpointWriteSerializer, responses={200: StructureTouchpointSerializer}
    )
    def partial_update(self, request, uuid=None):
        """Rename the touchpoint and/or move it to the end of another live stage."""
        touchpoint = self.get_object()
        incoming = TouchpointWriteSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        incoming.is_valid(raise_exception=True)
        changes = incoming.validated_data
        touchpoint_update(
            touchpoint=touchpoint,
            name=changes.get("name", touchpoint.name),
            stage=changes.get("stage"),
        )
        return Response(StructureTouchpointSerializer(touchpoint).data)

    @extend_schema(request=None, responses={200: StructureTouchpointSerializer})
    @action(detail=True, methods=["post"])
    def archive(self, request, uuid=None):
        """Staff and new surveys can no longer pick it; what it heard stays on the map."""
        touchpoint = touchpoint_archive(touchpoint=self.get_object())
        return Response(StructureTouchpointSerializer(touchpoint).data)

    @extend_schema(request=None, responses={200: StructureTouchpointSerializer})
    @action(detail=True, methods=["post"])
    def restore(self, request, uuid=None):
        """Make it pickable again (its stage must be live)."""
        touchpoint = touchpoint_restore(touchpoint=self.get_object())
        return Response(StructureTouchpointSerializer(touchpoint).data)
