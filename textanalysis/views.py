from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.access import ALL_ROLES, business_view
from accounts.selectors import business_object_or_404

from .models import Alert


@business_view(roles=ALL_ROLES)
@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    alerts = Alert.objects.filter(business=request.business)[:100]
    return render(request, "textanalysis/alert_list.html", {"alerts": alerts})


@business_view(roles=ALL_ROLES)
@require_GET
def alert_detail(request: HttpRequest, alert_uuid) -> HttpResponse:
    alert = business_object_or_404(Alert, business=request.business, uuid=alert_uuid)
    return render(request, "textanalysis/alert_detail.html", {"alert": alert})
