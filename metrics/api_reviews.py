"""GET /api/v1/metrics/reviews/: online reviews and replies (owners and managers)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import MANAGER_ROLES

from .api import PARAMETERS, valid_filters
from .reviews import review_kpis


def summary_schema(name: str):
    return inline_serializer(
        name,
        {
            "reviews": serializers.IntegerField(),
            "average_rating": serializers.FloatField(allow_null=True),
            "replied": serializers.IntegerField(),
            "replied_percent": serializers.FloatField(allow_null=True),
            "median_hours_to_reply": serializers.FloatField(allow_null=True),
            "unreplied_low_ratings": serializers.IntegerField(),
        },
    )


REVIEWS_SCHEMA = inline_serializer(
    "ReviewKpis",
    {
        "period": inline_serializer(
            "ReviewPeriod", {"start": serializers.DateField(), "end": serializers.DateField()}
        ),
        "current": summary_schema("ReviewSummary"),
        "previous": summary_schema("ReviewSummaryPrevious"),
    },
)


class ReviewKpisView(APIView):
    """Reviews written in the period on every connected site, their average rating, the
    share answered (through the platform or on the site) and the median hours from the
    review to its answer, next to the previous period of the same length. Reviews since
    removed from their site are left out. Only the period and location filters apply."""

    required_roles = MANAGER_ROLES

    @extend_schema(parameters=PARAMETERS, responses={200: REVIEWS_SCHEMA})
    def get(self, request):
        filters = valid_filters(request).kpi_filters
        period = filters.period
        return Response(
            {
                "period": {"start": period.first, "end": period.last},
                **review_kpis(business=request.business, filters=filters),
            }
        )
