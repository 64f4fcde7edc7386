from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import ALL_ROLES, MANAGER_ROLES, business_view
from accounts.selectors import business_object_or_404
from cxplatform.errors import ApplicationError

from .alerts import alert_acknowledge
from .configuration import aspect_create, aspect_delete, aspect_update, insight_settings_update
from .explain import EXPLANATION_PAGES, ExplanationPage, alert_why, aspects_why, sentiment_why
from .forms import AspectForm, InsightSettingsForm, add_errors
from .models import Alert, Aspect
from .rescore import rescore_start
from .selectors import (
    alert_source,
    alerts_for_business,
    aspects_for_business,
    rescore_latest,
)
from .services import insight_settings_for, scorable_model
from .webhooks import webhook_secret_rotate

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
    why = alert_why(alert=alert, source=source, rules=insight_settings_for(request.business))
    context = {"alert": alert, "source": source, "why": why, **related_to(source)}
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


# --- Why a text was judged as it was -------------------------------------------------


def why_view(label: str, name: str) -> Callable[..., HttpResponse]:
    """The explanation page of one kind of text, open to the roles that see such texts."""
    page = EXPLANATION_PAGES[label]

    def view(request: HttpRequest, **kwargs) -> HttpResponse:
        (text_uuid,) = kwargs.values()
        model = scorable_model(label)
        item = business_object_or_404(model, business=request.business, uuid=text_uuid)
        return render(request, "textanalysis/why_text.html", why_context(request, item, page))

    view.__name__ = view.__qualname__ = name
    return business_view(roles=page.roles)(require_GET(view))


def why_context(request: HttpRequest, item, page: ExplanationPage) -> dict:
    business = request.business
    alert = Alert.objects.filter(
        business=business, source=item._meta.label, source_id=item.pk
    ).first()
    return {
        "item": item,
        "kind": page.kind,
        "home": reverse(page.home_url_name, args=[item.uuid]) if page.home_url_name else "",
        "sentiment": sentiment_why(item),
        "aspects": aspects_why(item, aspects_for_business(business=business)),
        "alert": alert,
    }


why_answer = why_view("feedback.Answer", "why_answer")
why_interaction = why_view("feedback.Interaction", "why_interaction")
why_review = why_view("reputation.Review", "why_review")


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
            row = insight_settings_update(
                business=request.business, actor=request.user, **form.changes()
            )
        except ApplicationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Alert settings saved."))
            if row.new_webhook_secret:  # shown on this answer only, never again
                return render_settings(request, form, AspectForm(), secret=row.new_webhook_secret)
            return redirect("textanalysis:settings")
    return render_settings(request, form, AspectForm(), status=400)


def render_settings(
    request, form, aspect_form, status: int = 200, secret: str = ""
) -> HttpResponse:
    context = {
        "form": form,
        "aspect_form": aspect_form,
        "aspects": aspects_for_business(business=request.business),
        "rescore": rescore_latest(business=request.business),
        "insight": insight_settings_for(request.business),
        "new_webhook_secret": secret,
    }
    reply = render(request, "textanalysis/settings.html", context, status=status)
    if secret:
        add_never_cache_headers(reply)  # no copy of the secret in any cache
    return reply


@business_view(roles=MANAGER_ROLES)
@require_POST
def webhook_secret_rotate_view(request: HttpRequest) -> HttpResponse:
    """A new signing secret, shown on this page once; the old one stops at once."""
    secret = webhook_secret_rotate(business=request.business)
    messages.success(request, _("New signing secret made; the old one no longer signs."))
    row = insight_settings_for(request.business)
    form = InsightSettingsForm(initial=InsightSettingsForm.initial_for(row))
    return render_settings(request, form, AspectForm(), secret=secret)


@business_view(roles=MANAGER_ROLES)
@require_POST
def aspect_add(request: HttpRequest) -> HttpResponse:
    form = AspectForm(request.POST)
    if form.is_valid():
        try:
            aspect = aspect_create(business=request.business, actor=request.user, **form.changes())
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
            aspect_update(aspect=aspect, actor=request.user, **form.changes())
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
    aspect_delete(aspect=aspect, actor=request.user)
    messages.success(request, _("“%(name)s” removed.") % {"name": aspect.name})
    return redirect(reverse("textanalysis:settings") + "#aspects")


@business_view(roles=MANAGER_ROLES)
@require_POST
def rescore_view(request: HttpRequest) -> HttpResponse:
    rescore_start(business=request.business, user=request.user)
    messages.success(request, _("Rescoring started; reload this page to follow it."))
    return redirect(reverse("textanalysis:settings") + "#rescore")
