"""A customer's data: download it, or erase it on their request (owners and managers)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import MANAGER_ROLES, business_view
from accounts.selectors import business_object_or_404
from customers.models import Customer

from .forms import EraseForm
from .services import customer_erase, customer_export


@business_view(roles=MANAGER_ROLES)
@require_GET
def customer_export_view(request: HttpRequest, customer_uuid) -> HttpResponse:
    customer = business_object_or_404(Customer, business=request.business, uuid=customer_uuid)
    data = customer_export(business=request.business, customer=customer, actor=request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="customer-{customer.uuid}.json"'
    return response


@business_view(roles=MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def customer_erase_view(request: HttpRequest, customer_uuid) -> HttpResponse:
    """GET asks for confirmation; POST with the box ticked erases."""
    customer = business_object_or_404(Customer, business=request.business, uuid=customer_uuid)
    form = EraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        customer_erase(business=request.business, customer=customer, actor=request.user)
        messages.success(request, _("The customer's personal data and words were erased."))
        return redirect("customers:detail", customer_uuid=customer.uuid)
    status = 400 if form.is_bound else 200
    context = {"customer": customer, "form": form}
    return render(request, "privacy/erase.html", context, status=status)
