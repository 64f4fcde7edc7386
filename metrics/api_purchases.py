"""GET /api/v1/metrics/retention/, /cohorts/ and /clv/: the purchase KPIs (owners, managers).

Every figure comes from the purchase roll-up and the nightly CLV estimate (see
metrics/purchases.py for the definitions); money is in the business's main currency,
amounts as strings with two decimals.
"""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import MANAGER_ROLES

from .api import valid_filters
from .filters import KpiFilters
from .forms import PurchaseFilterForm
from .purchases import Stored, clv_summary, cohorts, retention, revenue_at_risk

PARAMETERS = [
    OpenApiParameter(
        "start", OpenApiTypes.DATE, description="First day (default: 29 days before end)."
    ),
    OpenApiParameter(
        "end", OpenApiTypes.DATE, description="Last day, at most today (default: today)."
    ),
    OpenApiParameter("location", OpenApiTypes.UUID, description="Only purchases at this location."),
]
MARGIN = OpenApiParameter(
    "margin",
    OpenApiTypes.NUMBER,
    description="Gross margin 0-1 for the historical CLV (default: revenue, no margin).",
)


def plain(value: object) -> object:
    """Dataclass fields as JSON: money as "12.30", dates by DRF, tuples as lists."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def _scope(filters: KpiFilters) -> dict:
    location = filters.location
    return {
        "period": {"start": filters.period.first, "end": filters.period.last},
        "location": str(location.uuid) if location else None,
    }


class RetentionView(APIView):
    """Customer retention over a period, exact to the day (owners and managers).

    A customer is someone who bought in the 180 days (`churn_days`) before a date.
    `rate` = (end_customers - new_customers) / start_customers; `churned` = customers
    active at the start whose 180 days ran out during the period (periods up to 180 days;
    null with `churned_reason` otherwise); `repeat_rate` = customers with purchases on two
    or more days / all customers by the end; `at_risk` from the nightly estimate (`rule`
    "p_alive": P(alive) < 0.5, "gap": last purchase over twice their usual gap ago);
    `trend`: the rate of each of the last 12 calendar months. Null figures come with a
    reason.
    """

    required_roles = MANAGER_ROLES

    @extend_schema(parameters=PARAMETERS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        filters = valid_filters(request, PurchaseFilterForm).kpi_filters
        data = asdict(retention(business=request.business, filters=filters))
        return Response({**plain(data), **_scope(filters)})


class CohortsView(APIView):
    """The last 12 monthly cohorts up to the period's last month (owners and managers).

    A cohort is the customers whose first purchase (at the location, when one is chosen)
    fell in its month; `cells[n].share` is the part of it who bought in the n-th month
    after (month 0 is 1.0), null for months not begun. Month-granular: whole calendar
    months; `running` when the last month is not over.
    """

    required_roles = MANAGER_ROLES

    @extend_schema(parameters=PARAMETERS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        filters = valid_filters(request, PurchaseFilterForm).kpi_filters
        data = asdict(cohorts(business=request.business, filters=filters))
        return Response({**plain(data), **_scope(filters)})


class ClvView(APIView):
    """Customer lifetime value, historical and predicted, and revenue at risk.

    `historical` (the year up to `end`, at the location if chosen): average order value x
    purchases per customer-year x lifespan in years (customer-years / customers lost), x
    `margin` when given. `predicted` (whole business, as of the nightly fit): the fitted
    BG/NBD (`r`, `alpha` in weeks, `a`, `b`) and Gamma-Gamma (`p`, `q`, `v`) parameters,
    `status` ("ok", "too_few", "failed", "none") with `message`, totals and the top 10
    customers by expected revenue over the next 12 months (discounted 10% a year).
    `revenue_at_risk`: that expected revenue by latest NPS answer and of at-risk customers.
    """

    required_roles = MANAGER_ROLES

    @extend_schema(parameters=[*PARAMETERS, MARGIN], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        business = request.business
        form = valid_filters(request, PurchaseFilterForm)
        filters, margin = form.kpi_filters, form.cleaned_data["margin"]
        stored = Stored(business)
        summary = clv_summary(business=business, filters=filters, margin=margin, stored=stored)
        return Response(
            {
                **_scope(filters),
                "historical": plain(asdict(summary.historical)),
                "predicted": plain(asdict(summary.predicted)),
                "revenue_at_risk": plain(asdict(revenue_at_risk(business=business, stored=stored))),
            }
        )
