from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import MANAGER_ROLES, business_view
from accounts.selectors import business_object_or_404
from cxplatform.errors import ApplicationError

from ..models import Channel, Survey
from ..selectors import unscoped_survey_for_public
from ..views import survey_form
from .services import embed_origins_set, frame_ancestors, qr_code


def public_link(request: HttpRequest, survey: Survey, channel: str = "") -> str:
    url = request.build_absolute_uri(reverse("feedback:survey", args=[survey.uuid]))
    return f"{url}?ch={channel}" if channel else url


class EmbedOriginsForm(forms.Form):
    embed_origins = forms.CharField(
        label=_("Websites allowed to show this survey (one per line)"), required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://www.example.com"}),
    )  # fmt: skip


@business_view(roles=MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def share(request: HttpRequest, survey_uuid) -> HttpResponse:
    """Everything an owner needs to put the survey in front of customers."""
    survey = business_object_or_404(Survey, business=request.business, uuid=survey_uuid)
    form = EmbedOriginsForm(
        request.POST or None, initial={"embed_origins": "\n".join(survey.embed_origins)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            embed_origins_set(
                survey=survey, origins=form.cleaned_data["embed_origins"].splitlines()
            )
        except ApplicationError as error:
            form.add_error("embed_origins", error.message)
        else:
            return redirect("channels:share", survey_uuid=survey.uuid)
    context = {
        "survey": survey,
        "form": form,
        "link": public_link(request, survey),
        "widget_src": request.build_absolute_uri("/static/feedback/widget.js"),
    }
    return render(
        request, "feedback/channels/share.html", context, status=400 if form.errors else 200
    )


@business_view(roles=MANAGER_ROLES)
@require_GET
def qr(request: HttpRequest, survey_uuid, kind: str) -> HttpResponse:
    survey = business_object_or_404(Survey, business=request.business, uuid=survey_uuid)
    content_type = "image/svg+xml" if kind == "svg" else "image/png"
    reply = HttpResponse(qr_code(public_link(request, survey, Channel.QR), kind=kind), content_type)
    if request.GET.get("download"):
        reply["Content-Disposition"] = f'attachment; filename="survey-qr.{kind}"'
    return reply


@business_view(roles=MANAGER_ROLES)
@require_GET
def card(request: HttpRequest, survey_uuid) -> HttpResponse:
    """A printable A6 card with the QR code, for the counter, tables and receipts."""
    survey = business_object_or_404(Survey, business=request.business, uuid=survey_uuid)
    context = {"survey": survey, "link": public_link(request, survey)}
    return render(request, "feedback/channels/card.html", context)


def frameable(view):
    """Let exactly the business's listed sites frame these pages, and nobody else."""

    @xframe_options_exempt
    def wrapped(request: HttpRequest, survey_uuid) -> HttpResponse:
        survey = unscoped_survey_for_public(survey_uuid=survey_uuid)
        reply = view(request, survey)
        reply["Content-Security-Policy"] = frame_ancestors(survey)
        return reply

    return wrapped


def origin_allowed(request: HttpRequest, survey: Survey) -> bool:
    """The embedded form posts from our own page inside the iframe; a page elsewhere
    posting straight at us (a forged cross-site POST) carries its own origin instead."""
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return False
    own = f"{request.scheme}://{request.get_host()}"
    return origin in {own, *survey.embed_origins}


# The embed form cannot rely on the CSRF cookie: browsers often block cookies in
# third-party iframes. It is anonymous and guarded by the Origin check above, the rate
# limits, the honeypot and the signed start time instead.
@csrf_exempt
@require_http_methods(["GET", "POST"])
@frameable
def embed(request: HttpRequest, survey: Survey) -> HttpResponse:
    if request.method == "POST" and not origin_allowed(request, survey):
        return HttpResponseForbidden("This form can only be sent from the survey page.")
    thanks = reverse("channels:embed_thanks", args=[survey.uuid])
    return survey_form(request, survey, channel=Channel.EMBED, thanks_url=thanks, embedded=True)


@require_GET
@frameable
def embed_thanks(request: HttpRequest, survey: Survey) -> HttpResponse:
    return render(request, "feedback/survey_thanks.html", {"survey": survey, "embedded": True})
