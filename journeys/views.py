"""The journey map page and its printable version."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import MANAGER_ROLES, business_view

from .filters import MapFilterForm
from .presenters import chart_data
from .selectors import journey_for, journey_map
from .services import journey_ensure


@business_view(roles=MANAGER_ROLES)
def journey_map_page(request: HttpRequest) -> HttpResponse:
    return _render_map(request, "journeys/map.html")


@business_view(roles=MANAGER_ROLES)
def journey_map_print(request: HttpRequest) -> HttpResponse:
    return _render_map(request, "journeys/print.html")


def _render_map(request: HttpRequest, template: str) -> HttpResponse:
    business = request.business
    journey_ensure(business=business)
    form = MapFilterForm(request.GET, business=business)
    context = {"form": form, "query": request.GET.urlencode()}
    if not form.is_valid():
        return render(request, template, context, status=400)
    first, last = form.period
    the_map = journey_map(
        business=business,
        journey=journey_for(business=business),
        first=first,
        last=last,
        filters=form.filters,
    )
    context |= {"map": the_map, "chart": chart_data(the_map)}
    return render(request, template, context)
