"""Where on the journey a survey or an interaction belongs (journeys.Touchpoint).

Feedback reads the journey's touchpoints (never writes them): the journeys app owns them.
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from rest_framework import serializers

from cxplatform.errors import ApplicationError
from journeys.models import Touchpoint


def touchpoint_for_key(*, business_id: int, key: str) -> Touchpoint | None:
    """The live touchpoint a ready-made survey measures ("visit", "purchase", "support")."""
    if not key:
        return None
    return Touchpoint.objects.filter(business_id=business_id, key=key, archived_at=None).first()


def touchpoints_to_pick(
    *, business_id: int, also: Touchpoint | None = None
) -> QuerySet[Touchpoint]:
    """Touchpoints a survey or a member of staff can name: live ones, in journey order,
    and `also` (the one already chosen, even if archived since)."""
    live = Q(archived_at=None, stage__archived_at=None)
    if also is not None:
        live |= Q(pk=also.pk)
    return (
        Touchpoint.objects.filter(live, business_id=business_id)
        .select_related("stage")
        .order_by("stage__position", "stage_id", "position", "id")
    )


def touchpoint_resolve(*, business_id: int, value: object) -> Touchpoint | None:
    """A touchpoint of this business from a Touchpoint, its uuid, or blank (None).

    Anything else, another business's touchpoint included, is refused naming the field.
    """
    if value in (None, ""):
        return None
    if isinstance(value, Touchpoint):
        found = value if value.business_id == business_id else None
    else:
        try:
            uuid = value if isinstance(value, UUID) else UUID(str(value))
        except ValueError:
            uuid = None
        found = (
            Touchpoint.objects.filter(business_id=business_id, uuid=uuid).first() if uuid else None
        )
    if found is None:
        raise ApplicationError(
            _("Unknown touchpoint."),
            errors={"touchpoint": [_("Choose a touchpoint of your journey.")]},
        )
    return found


def touchpoint_label(touchpoint: Touchpoint) -> str:
    """The touchpoint after its stage ("Buy: Order and pay"), for pickers."""
    return f"{touchpoint.stage.name}: {touchpoint.name}"


class TouchpointSerializer(serializers.Serializer):
    """How the API shows a touchpoint: its uuid, name and stage."""

    uuid = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    stage = serializers.CharField(source="stage.name", read_only=True)
