from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import MANAGER_ROLES, business_view
from accounts.selectors import business_object_or_404
from customers.models import Customer
from cxplatform.errors import ApplicationError
from cxplatform.pagination import CountedPaginator

from ..models import Channel, Invitation, Survey
from ..selectors import unscoped_survey_for_public
from ..views import activate_survey_language, survey_form, thanks_page
from .addresses import address_list
from .invitations import Invited, already_invited_message, customer_unsubscribe, invitations_create
from .selectors import customers_to_invite, invitation_counts, invitations_for_survey
from .services import embed_origins_set, frame_ancestors, qr_code

# Invitations listed per page on the Share page.
PAGE_SIZE = 50


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
            messages.success(request, _("Sites saved."))
            return redirect("channels:share", survey_uuid=survey.uuid)
    return share_page(request, survey, form=form)


def share_page(request: HttpRequest, survey: Survey, **posted: forms.BaseForm) -> HttpResponse:
    """The Share page; a form passed in (as posted, with its errors) replaces the blank
    one, so the owner sees what they typed beside what is wrong with it (status 400)."""
    counts = invitation_counts(survey=survey)
    # The counts by status add up to every invitation: no second COUNT(*) for the pager.
    paginator = CountedPaginator(
        invitations_for_survey(survey=survey), PAGE_SIZE, count=sum(n for _label, n in counts)
    )
    context = {
        "survey": survey,
        "form": EmbedOriginsForm(initial={"embed_origins": "\n".join(survey.embed_origins)}),
        "invite_form": InviteForm(),
        "auto_form": AutoInviteForm(instance=survey),
        "page": paginator.get_page(request.GET.get("page")),
        "invitation_counts": counts,
        "link": public_link(request, survey),
        "widget_src": request.build_absolute_uri("/static/feedback/widget.js"),
        **posted,
    }
    invalid = any(form.errors for form in posted.values())
    return render(request, "feedback/channels/share.html", context, status=400 if invalid else 200)


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
    # Printed for the survey's customers, so in the survey's language; the one line meant
    # for the owner (how to print) stays in the language they are reading.
    context = {
        "survey": survey,
        "link": public_link(request, survey),
        "owner_language": translation.get_language(),
    }
    with translation.override(survey.written_language):
        return render(request, "feedback/channels/card.html", context)


def frameable(view):
    """Let exactly the business's listed sites frame these pages, and nobody else.

    No X-Frame-Options (it knows no list of sites); the app's one Content-Security-Policy
    header (django-csp) carries the business's sites as its frame-ancestors instead."""

    @xframe_options_exempt
    def wrapped(request: HttpRequest, survey_uuid) -> HttpResponse:
        survey = unscoped_survey_for_public(survey_uuid=survey_uuid)
        reply = view(request, survey)
        # What django-csp's @csp_replace sets, with sources known only per survey.
        reply._csp_replace = {"frame-ancestors": frame_ancestors(survey)}
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
    return thanks_page(request, survey, embedded=True)


def invitation_for_token(token: str) -> Invitation:
    """The invitation a customer opened from their e-mail (tokens are unguessable)."""
    invitation = (
        Invitation.objects.select_related("survey__business", "customer")
        .filter(token=token)
        .first()
    )
    if invitation is None:
        raise Http404("invitation")
    return invitation


@require_http_methods(["GET", "POST"])
def invitation_page(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_for_token(token)
    survey = invitation.survey
    activate_survey_language(request, survey)  # the 409 page too, not only the form
    if invitation.answered_at is not None:
        return render(request, "feedback/already_answered.html", {"survey": survey}, status=409)
    return survey_form(request, survey, channel=Channel.EMAIL, invitation=invitation)


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET only asks (mail scanners open links); the POST of the button unsubscribes."""
    invitation = invitation_for_token(token)
    # The customer's page, in the survey's language like the survey itself.
    activate_survey_language(request, invitation.survey)
    done = request.method == "POST"
    if done:
        customer_unsubscribe(invitation=invitation)
    context = {"survey": invitation.survey, "business": invitation.survey.business, "done": done}
    return render(request, "feedback/channels/unsubscribe.html", context)


class InviteForm(forms.Form):
    emails = forms.CharField(
        label=_("Customers' e-mails (one per line, or separated by commas or semicolons; "
                "“Jane Doe <jane@example.com>” works too)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    everyone = forms.BooleanField(
        label=_("…or every customer who agreed to be contacted"), required=False
    )

    def clean_emails(self) -> list[str]:
        """The addresses, lower-cased, duplicates dropped; each entry that is not an
        address is named, as typed."""
        emails, bad = address_list(self.cleaned_data["emails"])
        if bad:
            raise forms.ValidationError(
                _("Not an e-mail address: %(values)s"), params={"values": ", ".join(bad[:20])}
            )
        return emails

    def clean(self):
        data = super().clean()
        if "emails" in data and not data["emails"] and not data.get("everyone"):
            self.add_error(
                "emails",
                _("Enter at least one e-mail address, or tick “every customer who agreed "
                  "to be contacted”."),
            )  # fmt: skip
        return data


@business_view(roles=MANAGER_ROLES)
@require_POST
def invite(request: HttpRequest, survey_uuid) -> HttpResponse:
    survey = business_object_or_404(Survey, business=request.business, uuid=survey_uuid)
    form = InviteForm(request.POST)
    if not form.is_valid():
        return share_page(request, survey, invite_form=form)
    emails = form.cleaned_data["emails"]
    customers = list(
        customers_to_invite(
            business=request.business, emails=emails,
            everyone_consenting=form.cleaned_data["everyone"],
        )
    )  # fmt: skip
    outcome = invitations_create(survey=survey, customers=customers)
    say_what_was_done(request, outcome, strangers=strangers(emails, customers))
    return redirect("channels:share", survey_uuid=survey.uuid)


def strangers(emails: list[str], customers: list[Customer]) -> list[str]:
    """The addresses named that are none of the business's customers."""
    known = {c.email.lower() for c in customers}
    return [e for e in emails if e not in known]


def say_what_was_done(request: HttpRequest, outcome: Invited, *, strangers: list[str]) -> None:
    sent = outcome.scheduled
    # None sent is no success to show in green: the lines below say why.
    (messages.success if sent else messages.info)(
        request,
        ngettext("%(count)d invitation on its way.", "%(count)d invitations on their way.", sent)
        % {"count": sent},
    )
    if outcome.already_invited:
        messages.info(request, already_invited_message(len(outcome.already_invited)))
    not_sent, reasons = not_invited(strangers, outcome.refused)
    if not_sent:
        messages.warning(
            request,
            ngettext("%(count)d not sent (see why below).", "%(count)d not sent (see why below).",
                     not_sent) % {"count": not_sent},
        )  # fmt: skip
    for line in reasons:
        messages.warning(request, line)


def not_invited(strangers: list[str], refused: list[Invitation]) -> tuple[int, list[str]]:
    """Who the owner named but will get no e-mail: how many, and why (20 lines at most)."""
    lines = []
    if strangers:
        lines.append(
            _("Not one of your customers (add them first): %(emails)s")
            % {"emails": ", ".join(strangers[:20])}
        )
    lines += [
        _("Not sent to %(customer)s: %(reason)s") % {"customer": i.customer, "reason": i.note}
        for i in refused
    ]
    return len(strangers) + len(refused), lines[:20]


class AutoInviteForm(forms.ModelForm):
    # Both at least 1, said by the form: a positive-integer form field alone answered -5
    # with "0 or more" although 0 is refused too. The model's own limits still apply.
    invite_after_purchase_hours = forms.IntegerField(
        label=_("Invite automatically this many hours after a purchase"),
        required=False, min_value=1,
    )  # fmt: skip
    reminder_after_hours = forms.IntegerField(
        label=_("Remind once after this many hours (empty: never)"),
        required=False, min_value=1,
    )  # fmt: skip

    class Meta:
        model = Survey
        fields = ["invite_after_purchase_hours", "reminder_after_hours"]


@business_view(roles=MANAGER_ROLES)
@require_POST
def auto_invite(request: HttpRequest, survey_uuid) -> HttpResponse:
    survey = business_object_or_404(Survey, business=request.business, uuid=survey_uuid)
    form = AutoInviteForm(request.POST, instance=survey)
    if not form.is_valid():
        # Re-read: a failed ModelForm has already copied the typed values onto `survey`.
        survey.refresh_from_db()
        return share_page(request, survey, auto_form=form)
    form.save()
    messages.success(request, _("Saved."))
    return redirect("channels:share", survey_uuid=survey.uuid)
