"""Reads for the text-insight screens and API. Everything takes `business` first."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.models import Business

from .models import Alert, Aspect, RescoreJob, ScoredText
from .services import insight_settings_for, scorable_model


@dataclass(frozen=True, order=True)
class Word:
    """One highlighted word of a text, as stored in its explanation."""

    start: int
    end: int
    valence: float


def explanation_words(text: str, explanation: object) -> list[Word]:
    """The explanation's words in text order, dropping any that could not be shown.

    The offsets were computed on the text as it was scored; a text edited since, or a
    malformed row, must not break a page: entries that are not [start, end, valence]
    numbers, fall outside the text or overlap an earlier word are skipped.
    """
    raw = explanation.get("words") if isinstance(explanation, dict) else None
    candidates = sorted(word for item in raw or [] if (word := as_word(item)) is not None)
    words: list[Word] = []
    for word in candidates:
        if word.end > len(text) or (words and word.start < words[-1].end):
            continue
        words.append(word)
    return words


def as_word(item: object) -> Word | None:
    if not isinstance(item, list | tuple) or len(item) != 3:
        return None
    start, end, valence = item
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end):
        return None
    if not isinstance(valence, int | float) or not math.isfinite(valence):
        return None
    return Word(start, end, float(valence))


def explanation_aspects(explanation: object) -> dict[str, float]:
    raw = explanation.get("aspects") if isinstance(explanation, dict) else None
    if not isinstance(raw, dict):
        return {}
    return {
        str(key): float(score)
        for key, score in raw.items()
        if isinstance(score, int | float) and math.isfinite(score)
    }


def explanation_reason(explanation: object) -> str:
    reason = explanation.get("reason", "") if isinstance(explanation, dict) else ""
    return reason if isinstance(reason, str) else ""


# --- Aspects and settings ------------------------------------------------------------


def aspects_for_business(*, business: Business) -> QuerySet[Aspect]:
    """The business's aspects in their order (its industry's list the first time)."""
    insight_settings_for(business)
    return Aspect.objects.filter(business=business).order_by("position", "name")


def aspect_names(*, business_id: int) -> dict[str, str]:
    """Aspect key -> the name the business gave it, in one query."""
    return dict(Aspect.objects.filter(business_id=business_id).values_list("key", "name"))


def aspect_names_for_request(request: object | None, business_id: int) -> dict[str, str]:
    """Aspect names, read once per request and business however many parts of a page
    (highlighted texts, aspect tables) show them."""
    cache = getattr(request, "_aspect_names", None)
    if cache is None:
        cache = {}
        if request is not None:
            request._aspect_names = cache
    if business_id not in cache:
        cache[business_id] = aspect_names(business_id=business_id)
    return cache[business_id]


def rescore_latest(*, business: Business) -> RescoreJob | None:
    return RescoreJob.objects.filter(business=business).order_by("-created_at", "-id").first()


def rescores_for_business(*, business: Business) -> QuerySet[RescoreJob]:
    return RescoreJob.objects.filter(business=business).select_related("requested_by")


# --- Alerts --------------------------------------------------------------------------


def alerts_for_business(*, business: Business, unacknowledged: bool = False) -> QuerySet[Alert]:
    alerts = Alert.objects.filter(business=business)
    if unacknowledged:
        alerts = alerts.filter(acknowledged_at=None)
    return alerts.select_related("acknowledged_by").order_by("-created_at", "-id")


def alerts_waiting_count(*, business: Business) -> int:
    """Alerts nobody has acknowledged yet: one COUNT, for the navigation bar."""
    return Alert.objects.filter(business=business, acknowledged_at=None).count()


def alert_source(*, business: Business, alert: Alert) -> ScoredText | None:
    """The text an alert is about, if the business still has it (None once deleted)."""
    try:
        model = scorable_model(alert.source)
    except LookupError:
        return None
    return model.objects.filter(business=business, pk=alert.source_id).first()
