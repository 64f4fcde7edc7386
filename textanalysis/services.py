"""Scoring rows of customer text in batches (one read, one bulk write)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from cxplatform.batching import BATCH_SIZE
from cxplatform.celery import enqueue_ids_on_commit

from .models import ScoredText
from .sentiment import analyse_sentiment


def scorable_models() -> list[type[ScoredText]]:
    return [model for model in apps.get_models() if issubclass(model, ScoredText)]


def scorable_model(label: str) -> type[ScoredText]:
    model = apps.get_model(label)
    if not issubclass(model, ScoredText):
        raise LookupError(f"{label} holds no text to score")
    return model


def texts_score(*, model: type[ScoredText], ids: Sequence[int]) -> int:
    """Score the rows among `ids` not scored yet; return how many were scored.

    Scoring is a pure function of the text, so a batch delivered twice (worker
    killed before its ack) writes the same values again: idempotent.
    """
    text_field = model.TEXT_FIELD
    rows = list(model.objects.filter(pk__in=ids, scored_at=None).only("pk", text_field))
    now = timezone.now()
    for row in rows:
        sentiment = analyse_sentiment(getattr(row, text_field))
        row.sentiment_score = sentiment.score
        row.sentiment_label = sentiment.label
        row.scored_at = now
    model.objects.bulk_update(
        rows, ["sentiment_score", "sentiment_label", "scored_at"], batch_size=BATCH_SIZE
    )
    after_scoring(model=model, ids=[row.pk for row in rows])
    return len(rows)


def after_scoring(*, model: type[ScoredText], ids: list[int]) -> None:
    """Let the app that owns the text act on fresh scores (e.g. open a follow-up case).

    The hooks are named in settings.TEXTANALYSIS_AFTER_SCORING, so this module never
    imports the apps that use it.
    """
    hook_path = settings.TEXTANALYSIS_AFTER_SCORING.get(model._meta.label)
    if hook_path and ids:
        import_string(hook_path)(ids=ids)


def texts_enqueue_scoring(*, model: type[ScoredText], ids: Sequence[int]) -> None:
    """Ask a worker to score these rows once the current transaction commits (batched
    with other requests' rows: many short submissions become one task)."""
    from .tasks import score_texts

    enqueue_ids_on_commit(score_texts, model._meta.label, ids)


def unscored_ids(*, model: type[ScoredText], older_than: timedelta, limit: int) -> list[int]:
    cutoff = timezone.now() - older_than
    pending = model.objects.filter(scored_at=None, created_at__lt=cutoff)
    pending = pending.exclude(**{model.TEXT_FIELD: ""})
    return list(pending.order_by("pk").values_list("pk", flat=True)[:limit])
