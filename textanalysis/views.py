from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import ALL_ROLES, MANAGER_ROLES, business_view
from accounts.selectors import business_object_or_404
from cxplatform.errors import ApplicationError

from .alerts import alert_acknowledge
from .configuration import aspect_create, aspect_delete, aspect_update, insight_settings_update
from .forms import AspectForm, InsightSettingsForm, add_errors
from .models import Alert, Aspect
from .rescore import rescore_start
from .selectors import (
    alert_source,
    alerts_for_business,
    aspects_for_business,
    rescore_latest,
)
from .services import insight_settings_for

PAGE_SIZE = 25


# --- Alerts --------------------------------------------------------------------------


@business_view(roles=ALL_ROLES)
@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    unacknowledged = request.GET.get("unacknowledged") == "1"
    alerts = alerts_for_business(business=request.business, unacknowledged=unacknowledged)
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "unacknowledged": unacknowledged}
    return render(request, "textanalysis/alert_list.html", context)


@business_view(roles=ALL_ROLES)
@require_GET
def alert_detail(request: HttpRequest, alert_uuid) -> HttpResponse:
    alert = business_object_or_404(Alert, business=request.business, uuid=alert_uuid)
    source = alert_source(business=request.business, alert=alert)
    context = {"alert": alert, "source": source, **related_to(source)}
    return render(request, "textanalysis/alert_detail.html", context)


def related_to(source) -> dict:
    """The customer and follow-up case behind a text, when it has them (an answer
    reaches them through its response)."""
    owner = getattr(source, "response", source)
    return {
        "customer": getattr(owner, "customer", None),
        "case": reverse_one_to_one(owner, "case"),
    }


def reverse_one_to_one(row, name: str):
    try:
        return getattr(row, name, None)
    except ObjectDoesNotExist:
        return None


@business_view(roles=ALL_ROLES)
@require_POST
def alert_acknowledge_view(request: HttpRequest, alert_uuid) -> HttpResponse:
    alert = business_object_or_404(Alert, business=request.business, uuid=alert_uuid)
    alert_acknowledge(alert=alert, user=request.user)
    messages.success(request, _("Alert acknowledged."))
    return redirect(next_url(request, reverse("textanalysis:alert", args=[alert.uuid])))


def next_url(request: HttpRequest, default: str) -> str:
    wanted = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if wanted and safe else default


# --- Settings: alert rules, aspects, rescoring ---------------------------------------


@business_view(roles=MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def insight_settings(request: HttpRequest) -> HttpResponse:
    row = insight_settings_for(request.business)
    if request.method != "POST":
        form = InsightSettingsForm(initial=InsightSettingsForm.initial_for(row))
        return render_settings(request, form, AspectForm())
    form = InsightSettingsForm(request.POST)
    if form.is_valid():
        try:
            insight_settings_update(business=request.business, **form.changes())
        except ApplicationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Alert settings saved."))
            return redirect("textanalysis:settings")
    return render_settings(request, form, AspectForm(), status=400)


def render_settings(request, form, aspect_form, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "aspect_form": aspect_form,
        "aspects": aspects_for_business(business=request.business),
        "rescore": rescore_latest(business=request.business),
    }
    return render(request, "textanalysis/settings.html", context, status=status)


@business_view(roles=MANAGER_ROLES)
@require_POST
def aspect_add(request: HttpRequest) -> HttpResponse:
    form = AspectForm(request.POST)
    if form.is_valid():
        try:
            aspect = aspect_create(business=request.business, **form.changes())
        except ApplicationError as error:
            add_errors(form, error)
        else:
            messages.success(request, aspect_saved_message(aspect))
            return redirect(reverse("textanalysis:settings") + "#aspects")
    row = insight_settings_for(request.business)
    settings_form = InsightSettingsForm(initial=InsightSettingsForm.initial_for(row))
    return render_settings(request, settings_form, form, status=400)


@business_view(roles=MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def aspect_edit(request: HttpRequest, aspect_uuid) -> HttpResponse:
    aspect = business_object_or_404(Aspect, business=request.business, uuid=aspect_uuid)
    if request.method != "POST":
        form = AspectForm(initial=AspectForm.initial_for(aspect))
        return render(request, "textanalysis/aspect_form.html", {"form": form, "aspect": aspect})
    form = AspectForm(request.POST)
    if form.is_valid():
        try:
            aspect_update(aspect=aspect, **form.changes())
        except ApplicationError as error:
            add_errors(form, error)
        else:
            messages.success(request, aspect_saved_message(aspect))
            return redirect(reverse("textanalysis:settings") + "#aspects")
    context = {"form": form, "aspect": aspect}
    return render(request, "textanalysis/aspect_form.html", context, status=400)


def aspect_saved_message(aspect: Aspect) -> str:
    return _("“%(name)s” saved. Rescore all texts to apply it to earlier ones.") % {
        "name": aspect.name
    }


@business_view(roles=MANAGER_ROLES)
@require_POST
def aspect_delete_view(request: HttpRequest, aspect_uuid) -> HttpResponse:
    aspect = business_object_or_404(Aspect, business=request.business, uuid=aspect_uuid)
    aspect_delete(aspect=aspect)
    messages.success(request, _("“%(name)s” removed.") % {"name": aspect.name})
    return redirect(reverse("textanalysis:settings") + "#aspects")


@business_view(roles=MANAGER_ROLES)
@require_POST
def rescore_view(request: HttpRequest) -> HttpResponse:
    rescore_start(business=request.business, user=request.user)
    messages.success(request, _("Rescoring started; reload this page to follow it."))
    return redirect(reverse("textanalysis:settings") + "#rescore")
