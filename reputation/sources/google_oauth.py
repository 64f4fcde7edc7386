"""Connect with Google: the OAuth 2.0 authorization-code flow for Google Business
Profile sources, so an owner signs in with Google instead of pasting tokens.

The platform's own OAuth client (settings GOOGLE_OAUTH_*) asks Google for the
business.manage scope (read reviews and answer them) with offline access, so Google
gives a refresh token the connector renews access tokens with. The views are in
google_views.py; this module builds the sign-in address and trades the code Google
sends back for the tokens.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from cxplatform import outbound
from cxplatform.errors import ApplicationError

from .services import MAX_SECRET_CHARS

SCOPE = "https://www.googleapis.com/auth/business.manage"


def oauth_configured() -> bool:
    """Without the platform's client id and secret there is no button, only the form."""
    return bool(settings.GOOGLE_OAUTH_CLIENT_ID and settings.GOOGLE_OAUTH_CLIENT_SECRET)


def callback_url() -> str:
    """The redirect URI: absolute, and the same in the sign-in link and the code exchange
    (Google refuses the exchange otherwise)."""
    return settings.SITE_URL.rstrip("/") + reverse("reputation:source_google_callback")


def authorize_url(state: str) -> str:
    query = urlencode(
        {
            "client_id": settings.GOOGLE_OAUTH_CLIENT_ID,
            "redirect_uri": callback_url(),
            "response_type": "code",
            "scope": SCOPE,
            # offline + consent: Google gives a refresh token every time, also to an
            # account that granted access before (else the second connect gets none).
            "access_type": "offline",
            "prompt": "consent",
            "state": state,
        }
    )
    base = settings.GOOGLE_OAUTH_AUTHORIZE_URL
    return f"{base}{'&' if '?' in base else '?'}{query}"


def client_secrets() -> dict[str, str]:
    """The client credentials a source keeps, so its connector can renew access tokens."""
    return {
        "client_id": settings.GOOGLE_OAUTH_CLIENT_ID,
        "client_secret": settings.GOOGLE_OAUTH_CLIENT_SECRET,
    }


def tokens_for_code(code: str) -> dict[str, str]:
    """{"refresh_token", "access_token"} for the sign-in code; ApplicationError in plain
    words when Google (or the way to it) fails."""
    form = {
        "code": code,
        **client_secrets(),
        "redirect_uri": callback_url(),
        "grant_type": "authorization_code",
    }
    try:
        reply = outbound.fetch("POST", settings.GOOGLE_OAUTH_TOKEN_URL, data=form)
    except outbound.OutboundError as error:
        raise ApplicationError(
            _("Could not reach Google to finish connecting (%(reason)s). Try again.")
            % {"reason": error.message}
        ) from None
    payload = _json_object(reply)
    if not reply.ok:
        raise ApplicationError(_refusal(reply.status, payload.get("error")))
    tokens = {key: payload.get(key) for key in ("refresh_token", "access_token")}
    if not all(isinstance(value, str) and value for value in tokens.values()):
        raise ApplicationError(
            _(
                "Google's answer had no refresh token and access token, so the platform "
                "could not keep reading reviews. Connect with Google again."
            )
        )
    if any(len(value) > MAX_SECRET_CHARS for value in tokens.values()):
        raise ApplicationError(_("Google's answer could not be read. Try again."))
    return tokens


def _json_object(reply: outbound.Reply) -> dict:
    try:
        payload = reply.json()
    except (ValueError, UnicodeDecodeError):
        return {}
    return payload if isinstance(payload, dict) else {}


def _refusal(status: int, error: object) -> str:
    if error == "invalid_grant":
        return _(
            "Google did not accept the sign-in (it expired or was already used). "
            "Connect with Google again."
        )
    if error in ("invalid_client", "unauthorized_client"):
        return _(
            "Google refused the platform's OAuth client; the administrator should check "
            "GOOGLE_OAUTH_CLIENT_ID and GOOGLE_OAUTH_CLIENT_SECRET."
        )
    return _(
        "Google's sign-in service answered with an error (HTTP %(status)d). Try again in a moment."
    ) % {"status": status}
