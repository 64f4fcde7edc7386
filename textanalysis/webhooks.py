"""Alert webhooks: the signing secret each business has, the signature on every request,
and the request itself, which goes through the guarded outbound client.

Every POST carries `X-CX-Timestamp` (Unix seconds) and `X-CX-Signature`:
"v1=" + hex HMAC-SHA256, keyed with the business's secret, of "<timestamp>.<raw body>".
A receiver recomputes it over the bytes it got and refuses a mismatch (forged or
altered) and an old timestamp (a recorded request played again). The README shows how.

The secret is encrypted at rest (cxplatform.vault) because it must be read to sign; the
owner sees it once, when it is made, and afterwards only its last characters.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from django.utils import timezone

from accounts.models import Business
from cxplatform import outbound, vault

from .models import InsightSettings
from .services import insight_settings_for

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
TIMESTAMP_HEADER = "X-CX-Timestamp"
SIGNATURE_HEADER = "X-CX-Signature"
USER_AGENT = "cx-platform-alerts"
TIMEOUT_SECONDS = 5
VAULT_FIELD = "webhook_secret"


def webhook_secret_generate() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def sealed_secret(secret: str) -> dict:
    """The columns that hold `secret`, encrypted, with its hint and birth time."""
    return {
        "webhook_secret_encrypted": vault.encrypt({VAULT_FIELD: secret}),
        "webhook_secret_hint": vault.hint(secret),
        "webhook_secret_created_at": timezone.now(),
    }


def webhook_secret_rotate(*, business: Business) -> str:
    """A new secret replaces the old one at once; returned so the owner can copy it."""
    row = insight_settings_for(business)
    secret = webhook_secret_generate()
    InsightSettings.objects.filter(pk=row.pk).update(**sealed_secret(secret))
    return secret


def webhook_secret_ensure(*, settings_id: int) -> str:
    """Make the secret if the business has none yet; "" when it already had one.

    Claimed with a conditional UPDATE, so two saves (or a save and a delivery) at the
    same moment cannot each make their own."""
    secret = webhook_secret_generate()
    made = InsightSettings.objects.filter(pk=settings_id, webhook_secret_encrypted="").update(
        **sealed_secret(secret)
    )
    return secret if made else ""


def webhook_secret_read(*, settings_id: int) -> str:
    """The plain secret (made now if missing); raises vault.SecretUnreadable when the
    installation's keys changed since it was stored."""
    webhook_secret_ensure(settings_id=settings_id)
    sealed = InsightSettings.objects.values_list("webhook_secret_encrypted", flat=True).get(
        pk=settings_id
    )
    return vault.decrypt(sealed)[VAULT_FIELD]


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def webhook_headers(*, secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: webhook_signature(secret=secret, timestamp=timestamp, body=body),
    }


def webhook_send(*, url: str, body: bytes, secret: str) -> outbound.Reply:
    """POST the signed body; raises outbound.UrlRefused for a private, loopback or
    link-local address (also after a redirect) and other OutboundErrors when no answer
    came. Any status is returned."""
    headers = webhook_headers(secret=secret, body=body)
    return outbound.fetch("POST", url, headers=headers, data=body, timeout=TIMEOUT_SECONDS)
