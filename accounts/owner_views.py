"""Owner-only pages: the business's settings and its audit log."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cxplatform.errors import ApplicationError

from .access import OWNER_ONLY, business_view
from .audit_log import audit_actions, audit_entries, audit_people
from .business_settings import business_settings_update
from .forms import AuditFilterForm, BusinessSettingsForm

AUDIT_PAGE_SIZE = 50


@business_view(roles=OWNER_ONLY)
@require_http_methods(["GET", "POST"])
def business_settings(request: HttpRequest) -> HttpResponse:
    initial = {"retention_months": request.business.retention_months}
    posted = request.POST if request.method == "POST" else None
    form = BusinessSettingsForm(posted, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            business_settings_update(
                business=request.business, actor=request.user, **form.cleaned_data
            )
        except ApplicationError as error:
            for name, field_messages in error.errors.items():
                form.add_error(name if name in form.fields else None, field_messages)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("accounts:settings")
    status = 400 if form.errors else 200
    return render(request, "accounts/settings.html", {"form": form}, status=status)


@business_view(roles=OWNER_ONLY)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    business = request.business
    form = AuditFilterForm(
        request.GET or None,
        actions=audit_actions(business=business),
        people=audit_people(business=business),
    )
    if form.is_bound and not form.is_valid():
        return render(request, "accounts/audit.html", {"form": form}, status=400)
    wanted = form.cleaned_data if form.is_bound else {}
    entries = audit_entries(
        business=business, action=wanted.get("action", ""), person=wanted.get("person", "")
    )
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(entry, detail_lines(entry.detail)) for entry in page]
    return render(request, "accounts/audit.html", {"form": form, "page": page, "rows": rows})


def detail_lines(detail: object) -> list[tuple[str, str]]:
    """An entry's detail as (name, value) lines of plain text; the template escapes them."""
    if not isinstance(detail, dict):
        return [("", json.dumps(detail, ensure_ascii=False))]
    return [
        (str(name), value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        for name, value in detail.items()
    ]
