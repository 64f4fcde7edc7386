"""The KPI report one set of filters asks for: shared by the API, the page and CSV."""

from __future__ import annotations

from accounts.models import Business

from .forms import KpiFilterForm
from .kpi_rollup import kpi_source
from .presenters import aspects_data, comparison_data, csv_rows, trend_data
from .selectors import aspect_moves, kpi_trend, survey_kpis_with_trend


def kpi_report(
    business: Business, form: KpiFilterForm, aspect_names: dict[str, str] | None = None
) -> dict:
    """aspect_names: the names already read for this request, if the caller has them."""
    filters, grain = form.kpi_filters, form.trend_grain
    source = kpi_source(business=business)  # one build for every figure of the report
    moves = aspect_moves(
        business=business, period=filters.period, names=aspect_names, coverage=source.coverage
    )
    comparison, trend = survey_kpis_with_trend(source=source, filters=filters, grain=grain)
    return {
        **comparison_data(comparison),
        "trend": trend_data(trend, grain),
        "aspects": aspects_data(moves),
    }


def kpi_csv_rows(business: Business, form: KpiFilterForm) -> list[list[object]]:
    filters, grain = form.kpi_filters, form.trend_grain
    points = trend_data(kpi_trend(business=business, filters=filters, grain=grain), grain)
    return csv_rows(points["points"])
