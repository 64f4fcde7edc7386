"""GET /api/v1/journey/map/: the journey map as JSON, with the page's filters."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import MANAGER_ROLES
from cxplatform.errors import ApplicationError

from .filters import MapFilterForm
from .presenters import heard_data
from .selectors import Heard, JourneyMap, journey_for, journey_map
from .services import journey_ensure

PARAMETERS = [
    OpenApiParameter(
        "start", OpenApiTypes.DATE, description="First day (default: 29 days before end)."
    ),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day (default: today)."),
    OpenApiParameter("location", OpenApiTypes.UUID, description="Only this location's voices."),
    OpenApiParameter("segment", OpenApiTypes.STR, enum=["new", "returning"]),
    OpenApiParameter("tag", OpenApiTypes.STR, description="Only customers with this tag."),
]


class JourneyMapView(APIView):
    """How customers feel at each stage and touchpoint of the journey (owners and managers).

    Sentiment is VADER's compound score (-1..1) of the comments, with a 95% Student-t
    interval; `against_rest` is the difference from every other voice of the journey
    (Welch's interval) and `verdict` is "pain" when that whole interval is below zero,
    "too_few" under 10 scored comments. Words, aspects and quotes come from each
    touchpoint's latest 150 comments.
    """

    required_roles = MANAGER_ROLES

    @extend_schema(parameters=PARAMETERS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        form = MapFilterForm(request.query_params, business=request.business)
        if not form.is_valid():
            raise ApplicationError(
                "Some filters need another look.",
                errors={field: list(messages) for field, messages in form.errors.items()},
            )
        journey_ensure(business=request.business)
        first, last = form.period
        the_map = journey_map(
            business=request.business,
            journey=journey_for(business=request.business),
            first=first,
            last=last,
            filters=form.filters,
        )
        return Response(map_data(the_map))


def map_data(the_map: JourneyMap) -> dict:
    previous = the_map.previous_period
    return {
        "period": {"start": the_map.first, "end": the_map.last},
        "previous_period": {"start": previous[0], "end": previous[1]},
        "overall": heard_data(the_map.overall),
        "unplaced_voices": the_map.unplaced_voices,
        "pain_points": [place.label for place in the_map.pain_points],
        "stages": [
            {
                "uuid": stage.stage.uuid,
                "name": stage.stage.name,
                "archived": stage.stage.archived_at is not None,
                **heard_data(stage.heard),
                **_said(stage.heard, quotes=False),
                "touchpoints": [
                    {
                        "uuid": point.touchpoint.uuid,
                        "name": point.touchpoint.name,
                        "archived": point.touchpoint.archived_at is not None,
                        **heard_data(point.heard),
                        **_said(point.heard, quotes=True),
                    }
                    for point in stage.touchpoints
                ],
            }
            for stage in the_map.stages
        ],
    }


def _said(heard: Heard, *, quotes: bool) -> dict:
    aspects = heard.aspects
    said = {
        "aspects": {side: [vars(aspect) for aspect in found] for side, found in aspects.items()},
        "mood_words": {
            side: [{"word": word, "comments": n} for word, n in words]
            for side, words in heard.mood_words.items()
        },
        "comments_sampled": len(heard.said),
    }
    if quotes:
        said["quotes"] = [
            {"text": q.text, "sentiment": q.score, "source": q.kind, "created_at": q.created_at}
            for q in heard.quotes
        ]
    return said
