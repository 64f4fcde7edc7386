"""Connect with Google in the browser (owners and managers).

start -> Google's consent page -> callback (the state checked, the code traded for
tokens) -> finish: the Google form without credential fields; saving creates the
source. Between callback and save the tokens wait in the session, encrypted with the
vault and tied to the business; they are never put in a page.
"""

from __future__ import annotations

import secrets
import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import MANAGER_ROLES, business_view
from cxplatform import vault
from cxplatform.errors import ApplicationError

from ..models import Provider
from ..selectors import locations_for_business
from .forms import SourceForm, add_errors
from .google_oauth import authorize_url, client_secrets, oauth_configured, tokens_for_code
from .services import source_create
from .views import connected_message, posted, render_form

SESSION_KEY = "reputation_google_oauth"
# What the owner may already have typed on the connect page, kept for the form after
# Google (as typed; the form checks it on save). Field -> longest kept.
PREFILL = {
    "name": 120,
    "external_id": 500,
    "review_page_url": 1000,
    "poll_interval_minutes": 10,
    "base_url": 500,
}
MAX_CODE_CHARS = 2_048


def back_to_connect(request: HttpRequest, message: str) -> HttpResponse:
    """Every refusal ends on the Google connect page with the reason on top."""
    messages.error(request, message)
    return redirect("reputation:source_connect_provider", provider=Provider.GOOGLE)


def prefill(request: HttpRequest) -> dict[str, str]:
    given = request.POST
    initial = {
        field: value.strip()[:longest]
        for field, longest in PREFILL.items()
        if isinstance(value := given.get(field), str) and value.strip()
    }
    location = business_location_uuid(request, given.get("location", ""))
    if location:
        initial["location"] = location
    return initial


def business_location_uuid(request: HttpRequest, value: str) -> str:
    """`value` when it is one of this business's locations, else "" (never another's)."""
    try:
        wanted = uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return ""
    exists = locations_for_business(business=request.business).filter(uuid=wanted).exists()
    return str(wanted) if exists else ""


@business_view(roles=MANAGER_ROLES)
@require_POST  # with CSRF: another site cannot start a sign-in in the owner's name
def google_start(request: HttpRequest) -> HttpResponse:
    if not oauth_configured():
        return back_to_connect(
            request,
            _("Connecting with Google is not set up here; enter the credentials by hand."),
        )
    state = secrets.token_urlsafe(32)
    request.session[SESSION_KEY] = {
        "state": state,
        "business": str(request.business.uuid),
        "initial": prefill(request),
    }
    return redirect(authorize_url(state))


def state_matches(request: HttpRequest, pending: dict) -> bool:
    given, expected = request.GET.get("state", ""), pending.get("state", "")
    return bool(given and expected) and secrets.compare_digest(given.encode(), expected.encode())


@business_view(roles=MANAGER_ROLES)
@require_GET
def google_callback(request: HttpRequest) -> HttpResponse:
    """Where Google sends the owner back, with a code or an error, and our state."""
    pending = request.session.get(SESSION_KEY) or {}
    if not state_matches(request, pending):
        if request.GET.get("error") == "access_denied":
            return back_to_connect(request, denied_message())
        return back_to_connect(
            request,
            _(
                "This answer from Google does not belong to a sign-in started here (it may "
                "be old, or from another browser). Start again with “Connect with Google”."
            ),
        )
    # A state is good for one answer, whatever it says.
    del request.session[SESSION_KEY]
    if pending.get("business") != str(request.business.uuid):
        return back_to_connect(
            request,
            _(
                "You switched to another business after starting. Start again with "
                "“Connect with Google” in the business the source is for."
            ),
        )
    error = request.GET.get("error", "")
    if error:
        if error == "access_denied":
            return back_to_connect(request, denied_message())
        return back_to_connect(
            request,
            _("Google could not sign you in (%(error)s). Try again.") % {"error": error[:100]},
        )
    code = request.GET.get("code", "")
    if not code or len(code) > MAX_CODE_CHARS:
        return back_to_connect(request, _("Google's answer had no sign-in code. Try again."))
    try:
        tokens = tokens_for_code(code)
    except ApplicationError as refused:
        return back_to_connect(request, refused.message)
    request.session[SESSION_KEY] = {
        "business": pending["business"],
        "initial": pending.get("initial") or {},
        "sealed": vault.encrypt(tokens),
    }
    return redirect("reputation:source_google_finish")


def denied_message() -> str:
    return _(
        "Google access was not granted, so nothing was connected. To connect, choose "
        "“Connect with Google” again and allow access, or enter the credentials by hand."
    )


def held_tokens(request: HttpRequest) -> tuple[dict[str, str], dict] | None:
    """(tokens, initial) waiting for this business, or None."""
    held = request.session.get(SESSION_KEY) or {}
    if not held.get("sealed") or held.get("business") != str(request.business.uuid):
        return None
    try:
        tokens = vault.decrypt(held["sealed"])
    except vault.SecretUnreadable:  # the keys changed meanwhile
        return None
    return tokens, held.get("initial") or {}


@business_view(roles=MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def google_finish(request: HttpRequest) -> HttpResponse:
    """The Google form after sign-in: only the location and a name are left to give."""
    held = held_tokens(request)
    if held is None:
        return back_to_connect(
            request,
            _("There is no Google sign-in waiting here. Start with “Connect with Google”."),
        )
    tokens, initial = held
    form = SourceForm(
        posted(request), initial=initial, provider=Provider.GOOGLE, business=request.business,
        fixed_secrets=tokens | client_secrets(),
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            source = source_create(
                business=request.business, provider=Provider.GOOGLE, values=form.values(),
                secrets=form.secrets(), actor=request.user,
            )  # fmt: skip
        except ApplicationError as error:
            add_errors(form, error)
        else:
            request.session.pop(SESSION_KEY, None)
            messages.success(request, connected_message(source))
            return redirect("reputation:source_detail", source_uuid=source.uuid)
    return render_form(request, form, provider=Provider.GOOGLE, source=None, signed_in=True)
