"""Recalculating customer value from the browser (/dashboard/customer-value/).

Owners and managers start a fit that a worker runs; the page shows the latest one with
its progress, so they can leave and come back."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.access import MANAGER_ROLES, business_view

from .clv_jobs import clv_fit_job_start


@business_view(roles=MANAGER_ROLES)
@require_GET
def clv_fit_page(request: HttpRequest) -> HttpResponse:
    return render(request, "metrics/clv_fit.html")


@business_view(roles=MANAGER_ROLES)
@require_POST
def clv_fit_start(request: HttpRequest) -> HttpResponse:
    """Queue a fit (or find the one under way) and show its progress."""
    clv_fit_job_start(business=request.business, user=request.user)
    return redirect("metrics:clv-fit")
