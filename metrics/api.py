"""GET /api/v1/metrics/kpis/ (JSON) and /api/v1/metrics/kpis/csv/: the survey KPIs."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import MANAGER_ROLES
from cxplatform.csvsafe import csv_response
from cxplatform.errors import ApplicationError
from cxplatform.snapshot import one_snapshot

from .forms import CHANNELS, KpiFilterForm, StrictFilterForm
from .report import kpi_csv_rows, kpi_report

PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day (default: 29 days "
                     "before end). The previous period, for changes, has the same length."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day (default: today)."),
    OpenApiParameter("location", OpenApiTypes.UUID),
    OpenApiParameter("touchpoint", OpenApiTypes.UUID),
    OpenApiParameter("survey", OpenApiTypes.UUID),
    OpenApiParameter("channel", OpenApiTypes.STR, enum=[value for value, _ in CHANNELS]),
    OpenApiParameter("segment", OpenApiTypes.STR, enum=["new", "returning"]),
    OpenApiParameter("grain", OpenApiTypes.STR, enum=["week", "month"],
                     description="The trend's buckets (default: weeks up to 4 months)."),
]  # fmt: skip


def valid_filters(request, form_class: type[StrictFilterForm] = KpiFilterForm) -> StrictFilterForm:
    form = form_class(request.query_params, business=request.business)
    if not form.is_valid():
        raise ApplicationError("Some filters need another look.", errors=form.error_dict())
    return form


class KpiView(APIView):
    """The survey KPIs of a period next to the previous one, their trend and aspects.

    NPS = % promoters (9-10) - % detractors (0-6) with its 95% adjusted Wald interval
    (Rocks 2016); CSAT = % of 4-5 answers on 1-5 (Agresti-Coull interval); CES = mean on
    the 1-7 agreement scale and % of 5-7; the trust index is the mean of the four
    pillars on 0-100. `enough` is false under 20 answers. A change is `real` when its
    95% interval excludes zero. Figures that cannot be computed are null.
    """

    required_roles = MANAGER_ROLES

    @extend_schema(parameters=PARAMETERS, responses={200: OpenApiTypes.OBJECT})
    @one_snapshot()
    def get(self, request):
        return Response(kpi_report(request.business, valid_filters(request)))


class KpiCsvView(APIView):
    """The KPI trend as CSV, one row per week or month (same parameters as the JSON)."""

    required_roles = MANAGER_ROLES

    @extend_schema(parameters=PARAMETERS, responses={(200, "text/csv"): OpenApiTypes.STR})
    @one_snapshot()
    def get(self, request):
        rows = kpi_csv_rows(request.business, valid_filters(request))
        return csv_response("kpis.csv", rows)
