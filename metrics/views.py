"""The owner's dashboard (/dashboard/), its CSV download and the staff load page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.access import MANAGER_ROLES, business_view
from cxplatform.csvsafe import csv_response
from cxplatform.snapshot import one_snapshot
from feedback.selectors import surveys_for_business
from textanalysis.selectors import alerts_waiting_count, aspect_names_for_request

from .care import case_kpis, recovery, staff_load
from .forms import KpiFilterForm
from .purchases import purchase_kpis_context
from .report import kpi_csv_rows, kpi_report
from .reviews import review_kpis
from .selectors import latest_comments


@business_view(roles=MANAGER_ROLES)
@one_snapshot()
def dashboard(request: HttpRequest) -> HttpResponse:
    business = request.business
    form = KpiFilterForm(request.GET, business=business)
    context = {
        "form": form,
        "query": request.GET.urlencode(),
        "default_survey": surveys_for_business(business=business).filter(is_default=True).first(),
    }
    if not form.is_valid():
        return render(request, "metrics/dashboard.html", context, status=400)
    names = aspect_names_for_request(request, business.pk)
    report, filters = kpi_report(business, form, names), form.kpi_filters
    context |= {
        "report": report,
        "kpis": report["current"],
        "change": report["change"],
        "comments": latest_comments(business=business),
        "alerts_waiting": alerts_waiting_count(business=business),
        "trend_labels": trend_labels(),
        "cases": case_kpis(business=business, filters=filters),
        "recovery": recovery(business=business, filters=filters),
        "staff_load": staff_load(business=business),
        "reviews": review_kpis(business=business, filters=filters),
        **purchase_kpis_context(business=business, filters=filters),
    }
    return render(request, "metrics/dashboard.html", context)


@business_view(roles=MANAGER_ROLES)
@one_snapshot()
def dashboard_csv(request: HttpRequest) -> HttpResponse:
    form = KpiFilterForm(request.GET, business=request.business)
    if not form.is_valid():
        return render(request, "metrics/dashboard.html", {"form": form}, status=400)
    return csv_response("kpis.csv", kpi_csv_rows(request.business, form))


@business_view(roles=MANAGER_ROLES)
def staff_load_page(request: HttpRequest) -> HttpResponse:
    """The emotional load on the team, on a page of its own (the API's roles: managers)."""
    context = {"staff_load": staff_load(business=request.business)}
    return render(request, "metrics/staff_load.html", context)


def trend_labels() -> dict[str, str]:
    """The chart's words, translated here and handed to the script as JSON."""
    return {
        "nps": _("NPS"),
        "csat": _("CSAT %"),
        "ces": _("CES (1-7)"),
        "trust": _("Trust"),
        "sentiment": _("Tone"),
        "none": _("Nothing to chart in this period."),
        "few": _("Hollow points: too few answers to say."),
    }
