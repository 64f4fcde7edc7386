"""GET /api/v1/metrics/cases/ and /api/v1/metrics/staff-load/ (owners and managers)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import MANAGER_ROLES

from .api import PARAMETERS, valid_filters
from .care import CaseKpis, Recovery, StaffLoad, case_kpis, recovery, staff_load

CASES_SCHEMA = inline_serializer(
    "CareCases",
    {
        "period": inline_serializer(
            "CarePeriod", {"start": serializers.DateField(), "end": serializers.DateField()}
        ),
        "cases": inline_serializer(
            "CaseKpis",
            {
                "open_now": serializers.IntegerField(),
                "awaiting_contact": serializers.IntegerField(),
                "overdue_now": serializers.IntegerField(),
                "opened": serializers.IntegerField(),
                "resolved": serializers.IntegerField(),
                "resolved_on_time": serializers.IntegerField(),
                "on_time_share": serializers.FloatField(allow_null=True),
                "median_hours_to_resolve": serializers.FloatField(allow_null=True),
            },
        ),
        "recovery": inline_serializer(
            "Recovery",
            {
                "customers": serializers.IntegerField(),
                "recovered": serializers.IntegerField(),
                "bought_again": serializers.IntegerField(),
                "answered_better": serializers.IntegerField(),
                "share": serializers.FloatField(allow_null=True),
                "cases_without_customer": serializers.IntegerField(),
            },
        ),
    },
)

STAFF_LOAD_SCHEMA = inline_serializer(
    "StaffLoad",
    {
        "period": inline_serializer(
            "StaffLoadPeriod", {"start": serializers.DateField(), "end": serializers.DateField()}
        ),
        "team_median": serializers.FloatField(allow_null=True),
        "members": inline_serializer(
            "MemberLoad",
            {
                "name": serializers.CharField(),
                "handled": serializers.IntegerField(),
                "negative": serializers.IntegerField(),
                "flagged": serializers.BooleanField(),
                "note": serializers.CharField(),
            },
            many=True,
        ),
    },
)


class CareCasesView(APIView):
    """Follow-up cases and recovery over a period (owners and managers).

    `open_now`, `awaiting_contact` and `overdue_now` describe the queue at this moment;
    `opened`, `resolved`, `resolved_on_time` and `median_hours_to_resolve` the period's
    cases; the median is exact up to 1,000 resolved cases and, beyond, read from a
    roll-up within 1% of the exact value (metrics.resolve_times). `recovery` counts the
    customers with a case opened in the period who later bought again or answered better
    (NPS 7-10 or CSAT 4-5); `share` is recovered / customers, and cases without a known
    customer are counted apart.
    """

    required_roles = MANAGER_ROLES

    # The dashboard's filters; segment and grain do not apply to cases.
    @extend_schema(parameters=PARAMETERS, responses={200: CASES_SCHEMA})
    def get(self, request):
        filters = valid_filters(request).kpi_filters
        return Response(
            {
                "period": {"start": filters.period.first, "end": filters.period.last},
                "cases": cases_data(case_kpis(business=request.business, filters=filters)),
                "recovery": recovery_data(recovery(business=request.business, filters=filters)),
            }
        )


class StaffLoadView(APIView):
    """How many upset customers each member met in the last 14 days (owners and managers).

    Negative: the note scored negative or the mood was logged as frustrated or angry.
    `flagged` when a member met at least 5 and at least twice the team's median; members
    come in name order, with 0 when they logged nothing.
    """

    required_roles = MANAGER_ROLES

    @extend_schema(responses={200: STAFF_LOAD_SCHEMA})
    def get(self, request):
        return Response(staff_load_data(staff_load(business=request.business)))


def cases_data(kpis: CaseKpis) -> dict:
    return {
        "open_now": kpis.open_now,
        "awaiting_contact": kpis.awaiting_contact,
        "overdue_now": kpis.overdue_now,
        "opened": kpis.opened,
        "resolved": kpis.resolved,
        "resolved_on_time": kpis.resolved_on_time,
        "on_time_share": kpis.on_time_share,
        "median_hours_to_resolve": kpis.median_hours_to_resolve,
    }


def recovery_data(figures: Recovery) -> dict:
    return {
        "customers": figures.customers,
        "recovered": figures.recovered,
        "bought_again": figures.bought_again,
        "answered_better": figures.answered_better,
        "share": figures.share,
        "cases_without_customer": figures.cases_without_customer,
    }


def staff_load_data(load: StaffLoad) -> dict:
    return {
        "period": {"start": load.period.first, "end": load.period.last},
        "team_median": load.team_median,
        "members": [vars(member) for member in load.members],
    }
