"""Alerts go out once: by e-mail to owners and managers, and to the business's webhook.

Each channel is claimed before it is used (a conditional UPDATE), so a task delivered
twice, or retried, never sends the same alert twice on the same channel. Webhook
requests are signed and go through the guarded outbound client (textanalysis/webhooks.py).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import NoReturn

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import MANAGERS, Membership
from cxplatform import outbound, vault

from .models import Alert, AlertReason, InsightSettings
from .webhooks import webhook_secret_read, webhook_send

# The first try and five retries, then the sweeper gives up.
MAX_WEBHOOK_ATTEMPTS = 6
SECRET_UNREADABLE = (
    "The webhook signing secret cannot be decrypted with this installation's keys; "
    "rotate it on the insight settings page."
)


class WebhookFailed(Exception):
    """The receiver did not take the alert; the task retries with a backoff."""


def alert_url(alert: Alert) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("textanalysis:alert", args=[alert.uuid])


def alert_summary(alert: Alert) -> str:
    if alert.reason == AlertReason.LOW_RATING:
        # The alert keeps no stars of its own; the review page shows how many.
        return _("A review of one or two stars")
    if alert.reason == AlertReason.URGENT:
        return _("Urgent: a customer mentions %(terms)s") % {"terms": ", ".join(alert.terms)}
    return _("A strongly negative message (score %(score).2f)") % {"score": alert.score}


def alert_quote(alert: Alert) -> str:
    # A star-only review has no words to quote.
    return f"“{alert.excerpt}”" if alert.excerpt else _("(no text)")


def alert_email_send(*, alert_id: int) -> bool:
    claimed = Alert.objects.filter(pk=alert_id, emailed_at=None).update(emailed_at=timezone.now())
    if not claimed:
        return False
    alert = Alert.objects.select_related("business").get(pk=alert_id)
    recipients = list(
        Membership.objects.filter(business=alert.business, role__in=MANAGERS)
        .values_list("user__email", flat=True)
        .order_by("user__email")
    )
    try:
        send_mail(
            # One line: a header may not hold the line breaks a name or summary could.
            subject=" ".join(f"[{alert.business.name}] {alert_summary(alert)}".split()),
            message=f"{alert_summary(alert)}\n\n{alert_quote(alert)}\n\n{alert_url(alert)}\n",
            from_email=None,
            recipient_list=recipients,
        )
    except Exception:
        # Not sent: give the claim back so the retry sends it.
        Alert.objects.filter(pk=alert_id).update(emailed_at=None)
        raise
    return True


def webhook_body(alert: Alert) -> dict:
    """Slack-compatible (`text`), with the details for any other receiver."""
    summary = alert_summary(alert)
    return {
        "text": f"*{alert.business.name}*: {summary}\n>{alert.excerpt[:300]}\n{alert_url(alert)}",
        "alert": {
            "id": str(alert.uuid),
            "business": alert.business.name,
            "reason": alert.reason,
            "terms": alert.terms,
            "score": alert.score,
            "excerpt": alert.excerpt,
            "url": alert_url(alert),
            "created_at": alert.created_at.isoformat(),
        },
    }


def alert_webhook_post(*, alert_id: int) -> bool:
    """POST the signed alert to the business's webhook; raise WebhookFailed to be retried.

    A URL the platform may not reach (a private, loopback or link-local address, also
    after a redirect) or a secret it cannot read is not retried: trying again changes
    nothing, so the alert records why and the sweeper leaves it."""
    alert = Alert.objects.select_related("business").get(pk=alert_id)
    target = (
        InsightSettings.objects.filter(business_id=alert.business_id)
        .values_list("pk", "webhook_url")
        .first()
    )
    if not target or not target[1] or alert.webhook_sent_at is not None:
        return False
    settings_id, url = target
    Alert.objects.filter(pk=alert_id).update(webhook_attempts=F("webhook_attempts") + 1)
    try:
        secret = webhook_secret_read(settings_id=settings_id)
        reply = webhook_send(url=url, body=json.dumps(webhook_body(alert)).encode(), secret=secret)
    except outbound.UrlRefused as error:
        webhook_given_up(alert_id, error.message)
        return False
    except vault.SecretUnreadable:
        webhook_given_up(alert_id, SECRET_UNREADABLE)
        return False
    except outbound.OutboundError as error:
        webhook_failed(alert_id, error.message)
    if not reply.ok:
        webhook_failed(
            alert_id, _("The receiver answered with status %(status)d.") % {"status": reply.status}
        )
    Alert.objects.filter(pk=alert_id, webhook_sent_at=None).update(
        webhook_sent_at=timezone.now(), webhook_error=""
    )
    return True


def webhook_failed(alert_id: int, message: str) -> NoReturn:
    Alert.objects.filter(pk=alert_id).update(webhook_error=message[:300])
    raise WebhookFailed(message)


def webhook_given_up(alert_id: int, message: str) -> None:
    Alert.objects.filter(pk=alert_id).update(
        webhook_error=message[:300], webhook_attempts=MAX_WEBHOOK_ATTEMPTS
    )


def alerts_undelivered(*, older_than: timedelta, newer_than: timedelta) -> list[int]:
    now = timezone.now()
    recent = Alert.objects.filter(created_at__lt=now - older_than, created_at__gte=now - newer_than)
    webhook_owed = Q(
        webhook_sent_at=None,
        webhook_attempts__lt=MAX_WEBHOOK_ATTEMPTS,
        business__insight_settings__webhook_url__gt="",
    )
    return list(recent.filter(Q(emailed_at=None) | webhook_owed).values_list("pk", flat=True))


def alert_acknowledge(*, alert: Alert, user) -> Alert:
    if alert.acknowledged_at is None:
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = user
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return alert
