from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import MANAGER_ROLES

from .selectors import nps_summary, response_count, sentiment_breakdown

SUMMARY_SCHEMA = inline_serializer(
    "MetricsSummary",
    {
        "responses": serializers.IntegerField(),
        "nps": inline_serializer(
            "Nps",
            {
                "score": serializers.IntegerField(allow_null=True),
                "answers": serializers.IntegerField(),
                "promoters": serializers.IntegerField(),
                "passives": serializers.IntegerField(),
                "detractors": serializers.IntegerField(),
            },
        ),
        "sentiment": serializers.DictField(child=serializers.IntegerField()),
    },
)


class MetricsSummaryView(APIView):
    """The dashboard's headline figures for the caller's business."""

    required_roles = MANAGER_ROLES

    @extend_schema(responses={200: SUMMARY_SCHEMA})
    def get(self, request):
        nps = nps_summary(business=request.business)
        return Response(
            {
                "responses": response_count(business=request.business),
                "nps": {
                    "score": nps.score,
                    "answers": nps.answers,
                    "promoters": nps.promoters,
                    "passives": nps.passives,
                    "detractors": nps.detractors,
                },
                "sentiment": sentiment_breakdown(business=request.business),
            }
        )
