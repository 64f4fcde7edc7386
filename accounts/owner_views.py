"""Owner-only pages: the business's settings and its audit log."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cxplatform.errors import ApplicationError

from .access import OWNER_ONLY, business_view
from .audit_log import action_label, audit_actions, audit_entries, audit_people
from .branding import KEEP, business_look_update, logo_url, survey_theme
from .business_settings import business_settings_update
from .forms import AuditFilterForm, BusinessSettingsForm, SurveyLookForm

AUDIT_PAGE_SIZE = 50


@business_view(roles=OWNER_ONLY)
@require_http_methods(["GET", "POST"])
def business_settings(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return settings_page(request)
    form = BusinessSettingsForm(request.POST, current_zone=request.business.time_zone)
    if form.is_valid():
        # Each setting left out of the POST is left as it is (an empty period is sent,
        # and means keep everything).
        changes = {name: value for name, value in form.cleaned_data.items() if name in request.POST}
        try:
            business_settings_update(business=request.business, actor=request.user, **changes)
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("accounts:settings")
    return settings_page(request, form=form, status=400)


@business_view(roles=OWNER_ONLY)
@require_POST
def survey_look(request: HttpRequest) -> HttpResponse:
    """The survey's colour and logo (a form of the settings page), or removing the logo."""
    if request.POST.get("remove_logo"):
        business_look_update(business=request.business, actor=request.user, logo=None)
        messages.success(request, _("Logo removed."))
        return redirect(reverse("accounts:settings") + "#survey-look")
    form = SurveyLookForm(request.POST, request.FILES)
    if form.is_valid():
        look = form.cleaned_data
        try:
            business_look_update(
                business=request.business, actor=request.user,
                brand_colour=look["brand_colour"], logo=look["logo"] or KEEP,
            )  # fmt: skip
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Survey look saved."))
            return redirect(reverse("accounts:settings") + "#survey-look")
    return settings_page(request, look_form=form, status=400)


def settings_page(
    request: HttpRequest,
    *,
    form: BusinessSettingsForm | None = None,
    look_form: SurveyLookForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The settings page; the form that was sent comes back with its errors."""
    business = request.business
    form = form or BusinessSettingsForm(
        initial={name: getattr(business, name) for name in BusinessSettingsForm.base_fields},
        current_zone=business.time_zone,
    )
    look_form = look_form or SurveyLookForm(initial={"brand_colour": business.brand_colour})
    context = {
        "form": form,
        "look_form": look_form,
        "logo_url": logo_url(business),
        "look": survey_theme(business),
    }
    return render(request, "accounts/settings.html", context, status=status)


def add_service_errors(form, error: ApplicationError) -> None:
    for name, field_messages in error.errors.items():
        form.add_error(name if name in form.fields else None, field_messages)


@business_view(roles=OWNER_ONLY)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    business = request.business
    form = AuditFilterForm(
        request.GET or None,
        actions=audit_actions(business=business),
        people=audit_people(business=business),
    )
    # An unknown filter value was left out of the form (form.ignored says which), so a
    # bound form is always valid.
    wanted = form.cleaned_data if form.is_valid() else {}
    entries = audit_entries(
        business=business, action=wanted.get("action", ""), person=wanted.get("person", "")
    )
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(entry, action_label(entry.action), detail_lines(entry.detail)) for entry in page]
    return render(request, "accounts/audit.html", {"form": form, "page": page, "rows": rows})


def detail_lines(detail: object) -> list[tuple[str, str]]:
    """An entry's detail as (name, value) lines of plain text; the template escapes them.

    Names stay as the services wrote them (field names, "from", "to"): only the values
    are put in words, times in the business's local time."""
    if not isinstance(detail, dict):
        return [("", readable(detail))]
    return [(str(name), readable(value, time=name in TIME_KEYS)) for name, value in detail.items()]


# The detail keys the services write moments under (a case's times, retention's cutoff).
# Only these are read as times: other text (a business's name, say) is shown as typed,
# even when it looks like one.
TIME_KEYS = {"due_at", "contacted_at", "resolved_at", "before"}


def readable(value: object, *, time: bool = False) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, str):
        return (local_time(value) if time else None) or value
    if isinstance(value, list):
        return ", ".join(readable(item, time=time) for item in value)
    if isinstance(value, dict):
        if value.keys() == {"from", "to"}:
            return f"{readable(value['from'], time=time)} → {readable(value['to'], time=time)}"
        return "; ".join(f"{name}: {readable(item)}" for name, item in value.items())
    return str(value)


def local_time(text: str) -> str | None:
    """A moment written with its UTC offset (isoformat() or str() of an aware datetime),
    shown as the app shows times; None for any other text (a naive time's zone is unknown,
    and one at the ends of the calendar has no local time)."""
    try:
        moment = parse_datetime(text)
        if moment is None or timezone.is_naive(moment):
            return None
        return date_format(timezone.localtime(moment), "j M Y H:i")
    except (ValueError, OverflowError):
        return None
