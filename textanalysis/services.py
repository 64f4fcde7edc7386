"""Analysing rows of customer text in batches: one read, one bulk write, alerts once."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from cxplatform.batching import BATCH_SIZE
from cxplatform.celery import enqueue_ids_on_commit, enqueue_on_commit

from .analysis import Analysis, AspectMatchers, NotScoredReason, TermMatcher, analyse
from .defaults import URGENT_TERMS, aspects_for_industry
from .models import (
    Alert,
    AlertReason,
    Aspect,
    AspectMention,
    InsightSettings,
    ScoredText,
    SentimentLabel,
)

logger = logging.getLogger(__name__)

# Texts written longer ago than this are history (imports, backfills, rescoring):
# they are analysed but raise no alert.
ALERT_FRESH_FOR = timedelta(days=2)
EXCERPT_CHARS = 500


def scorable_models() -> list[type[ScoredText]]:
    return [model for model in apps.get_models() if issubclass(model, ScoredText)]


def scorable_model(label: str) -> type[ScoredText]:
    model = apps.get_model(label)
    if not issubclass(model, ScoredText):
        raise LookupError(f"{label} holds no text to score")
    return model


# --- Each business's aspects and alert rules ------------------------------------------


@dataclass(frozen=True)
class Rules:
    aspects: AspectMatchers
    urgent: TermMatcher
    alert_threshold: float


def insight_settings_for(business) -> InsightSettings:
    """A business's settings, made with its industry's defaults the first time."""
    settings_by_business = insight_settings_ensure([business.pk])
    return settings_by_business[business.pk]


def insight_settings_ensure(business_ids: Sequence[int]) -> dict[int, InsightSettings]:
    found = {s.business_id: s for s in InsightSettings.objects.filter(business_id__in=business_ids)}
    missing = [pk for pk in business_ids if pk not in found]
    if missing:
        Business = apps.get_model("accounts", "Business")
        with transaction.atomic():
            for business in Business.objects.filter(pk__in=missing):
                found[business.pk] = insight_defaults_create(business)
    return found


def insight_defaults_create(business) -> InsightSettings:
    settings_row, created = InsightSettings.objects.get_or_create(
        business=business, defaults={"urgent_terms": list(URGENT_TERMS)}
    )
    if created:
        # Named in the business's language, whatever language the request or task that
        # first needs them runs in (the names are stored, and shown to every member).
        with translation.override(business.language):
            defaults = aspects_for_industry(business.industry)
        Aspect.objects.bulk_create(
            [
                Aspect(business=business, key=key, name=name, terms=terms, position=position)
                for position, (key, name, terms) in enumerate(defaults)
            ],
            ignore_conflicts=True,
        )
    return settings_row


def rules_for(business_ids: Sequence[int]) -> dict[int, Rules]:
    """Two queries for a batch, however many businesses it holds."""
    settings_rows = insight_settings_ensure(sorted(set(business_ids)))
    aspects: dict[int, list[tuple[str, list[str]]]] = {pk: [] for pk in settings_rows}
    for business_id, key, terms in Aspect.objects.filter(business_id__in=settings_rows).values_list(
        "business_id", "key", "terms"
    ):
        aspects[business_id].append((key, terms))
    return {
        pk: Rules(aspect_matchers(aspects[pk]), term_matcher(row.urgent_terms), row.alert_threshold)
        for pk, row in settings_rows.items()
    }


def aspect_matchers(aspects: list[tuple[str, list[str]]]) -> AspectMatchers:
    return _aspect_matchers(tuple((key, tuple(terms)) for key, terms in aspects))


def term_matcher(terms: list[str]) -> TermMatcher:
    return _term_matcher(tuple(terms))


# A worker scores batch after batch for the same few businesses: their matchers (a
# regular expression of a hundred terms each) are built once per distinct list, not
# once per batch. Keyed by the lists themselves, so an edited list gets a new one.
@lru_cache(maxsize=256)
def _aspect_matchers(aspects: tuple[tuple[str, tuple[str, ...]], ...]) -> AspectMatchers:
    return AspectMatchers(aspects)


@lru_cache(maxsize=256)
def _term_matcher(terms: tuple[str, ...]) -> TermMatcher:
    return TermMatcher(terms)


# --- Scoring --------------------------------------------------------------------------


@dataclass
class Scored:
    pk: int
    business_id: int
    created_at: object
    text: str
    analysis: Analysis


def texts_score(*, model: type[ScoredText], ids: Sequence[int], rescore: bool = False) -> int:
    """Analyse the rows among `ids` (not yet analysed ones, unless rescoring); return
    how many were analysed.

    The rows are locked while they are analysed and written in one transaction with
    their aspect mentions and alerts: a batch delivered twice (a worker killed before
    its ack) finds them done, or waits and then finds them done. Idempotent.
    """
    with transaction.atomic():
        commit_without_waiting_for_disk()
        rows = rows_to_score(model, ids, rescore=rescore)
        if not rows:
            return 0
        rules = rules_for([business_id for _, business_id, _, _ in rows])
        scored = [
            Scored(pk, owner, created_at, text or "", analyse_safely(pk, text, rules[owner]))
            for pk, owner, created_at, text in rows
        ]
        now = timezone.now()
        results_write(model, scored, now, rescore=rescore)
        if not rescore:
            alerts_raise(model, scored, rules, now)
    if not rescore:  # what follows fresh scores (opening cases) was done the first time
        negative = {
            s.pk: s.created_at for s in scored if s.analysis.label == SentimentLabel.NEGATIVE
        }
        after_scoring(model=model, written=negative)
        scores_dated(scored)
    return len(scored)


def scores_dated(scored: list[Scored]) -> None:
    """Tell who sums scores by day (settings.TEXTANALYSIS_AFTER_SCORES) when the oldest
    text of each business in the batch was written: a text dated in the past (a review
    published yesterday and fetched today, an edited review) lands on a day they may
    have summed already. A business wide rescore has its own hook instead."""
    late_rows_announce(oldest_by_business((s.business_id, s.created_at) for s in scored))


def oldest_by_business(rows: Iterable[tuple[int, datetime]]) -> dict[int, datetime]:
    oldest: dict[int, datetime] = {}
    for business_id, moment in rows:
        if business_id not in oldest or moment < oldest[business_id]:
            oldest[business_id] = moment
    return oldest


def late_rows_announce(oldest: dict[int, datetime]) -> None:
    """Tell who sums rows by day (settings.TEXTANALYSIS_AFTER_SCORES) that rows of each
    business, the oldest dated `oldest[business_id]`, have just landed: scored texts, or
    answers filed late (feedback.filing)."""
    for hook_path in settings.TEXTANALYSIS_AFTER_SCORES:
        import_string(hook_path)(oldest=oldest)


def commit_without_waiting_for_disk() -> None:
    """This transaction's commit returns before its WAL reaches the disk (PostgreSQL's
    synchronous_commit, for this transaction only).

    Scores are derived data. A database crash in the fraction of a second before the
    WAL writer flushes loses the whole transaction, never part of it: its rows are
    unscored again and the sweeper sends them again, as after a killed worker. Nothing
    outside waits on that commit alone: the first durable commit after it (an alert
    marked sent, a case opened) flushes it too. The wait it saves is an fsync shared
    with every other writer of the database, per batch.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def rows_to_score(model: type[ScoredText], ids: Sequence[int], *, rescore: bool) -> list[tuple]:
    """(pk, business_id, created_at, text) of the rows to analyse, locked until the
    transaction ends; rows another worker holds are skipped (it is scoring them)."""
    text_field = model.TEXT_FIELD
    if connection.vendor != "postgresql":
        rows = model.objects.filter(pk__in=ids)
        if not rescore:
            rows = rows.filter(scored_at=None)
        return list(
            rows.select_for_update(skip_locked=True)
            .order_by("pk")
            .values_list("pk", "business_id", "created_at", text_field)
        )
    # The ids as one array: the ORM's IN list of 500 parameters costs more to build in
    # Python and to plan in PostgreSQL than the rows cost to read.
    quote = connection.ops.quote_name
    text_column = quote(model._meta.get_field(text_field).column)
    unscored = "" if rescore else "AND scored_at IS NULL "
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, business_id, created_at, {text_column} "
            f"FROM {quote(model._meta.db_table)} WHERE id = ANY(%s::bigint[]) {unscored}"
            "ORDER BY id FOR UPDATE SKIP LOCKED",
            [list(ids)],
        )
        return cursor.fetchall()


def analyse_safely(pk: int, text: str, rule: Rules) -> Analysis:
    """One text that breaks the analyser must not stop the other texts of its batch."""
    try:
        return analyse(text, rule.aspects)
    except Exception:
        logger.exception("Could not analyse text %s; marked not scored", pk)
        return Analysis(None, SentimentLabel.NOT_SCORED, NotScoredReason.ERROR)


def results_write(model: type[ScoredText], scored: list[Scored], now, *, rescore: bool) -> None:
    """The batch's scores and explanations, and its aspect mentions.

    A mention already there (a batch delivered twice) is left alone. Rescoring
    replaces the mentions of the old analysis: they are deleted first.
    """
    if rescore:
        AspectMention.objects.filter(
            source=model._meta.label, source_id__in=[s.pk for s in scored]
        ).delete()
    if connection.vendor == "postgresql":
        scores_and_mentions_write(model, scored, now)
    else:
        scores_write(model, scored, now)
        mentions_write(model, scored)


# The batch as four parameters that the server zips into rows (ROWS FROM): one UPDATE,
# with no VALUES row built per text in Python. Ids, scores and labels are array literals
# and the explanations one JSON array: psycopg2 would adapt a Python list element by
# element (quoting each string) into an ARRAY[...] of 500 constants for the server to
# parse one by one, which cost the worker and the server more than the update itself.
# Its RETURNING feeds the INSERT of the mentions, read back from the explanations'
# "aspects" (each aspect's score, as analysis.Analysis.explanation() rounds it, which is
# also the mention's score): one statement, and no second set of arrays for them.
SCORES_AND_MENTIONS = """
WITH scored AS (
    UPDATE {table} AS t
    SET sentiment_score = v.score, sentiment_label = v.label,
        sentiment_explanation = v.explanation, scored_at = %s
    FROM ROWS FROM (
        unnest(%s::bigint[]), unnest(%s::double precision[]), unnest(%s::text[]),
        jsonb_array_elements(%s::jsonb)
    ) AS v (id, score, label, explanation)
    WHERE t.id = v.id
    RETURNING t.id, t.business_id, t.created_at, v.explanation -> 'aspects' AS aspects
)
INSERT INTO {mentions} (business_id, aspect_key, source, source_id, score, created_at)
SELECT scored.business_id, aspect.key, %s, scored.id, aspect.value::double precision,
    scored.created_at
FROM scored CROSS JOIN LATERAL jsonb_each(scored.aspects) AS aspect
ON CONFLICT DO NOTHING
"""


def scores_and_mentions_write(model: type[ScoredText], scored: list[Scored], now) -> None:
    quote = connection.ops.quote_name
    sql = SCORES_AND_MENTIONS.format(
        table=quote(model._meta.db_table), mentions=quote(AspectMention._meta.db_table)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                now,
                array_literal(s.pk for s in scored),
                array_literal(s.analysis.score for s in scored),
                array_literal(s.analysis.label for s in scored),
                "[" + ",".join(s.analysis.explanation_json() for s in scored) + "]",
                model._meta.label,
            ],
        )


def scores_write(model: type[ScoredText], scored: list[Scored], now) -> None:
    """The scores by the ORM (databases other than PostgreSQL)."""
    model.objects.bulk_update(
        [
            model(
                pk=s.pk, sentiment_score=s.analysis.score, sentiment_label=s.analysis.label,
                sentiment_explanation=s.analysis.explanation(), scored_at=now,
            )
            for s in scored
        ],
        ["sentiment_score", "sentiment_label", "sentiment_explanation", "scored_at"],
        batch_size=BATCH_SIZE,
    )  # fmt: skip


def mentions_write(model: type[ScoredText], scored: list[Scored]) -> None:
    """The aspect mentions by the ORM (databases other than PostgreSQL)."""
    source = model._meta.label
    AspectMention.objects.bulk_create(
        [
            AspectMention(
                business_id=s.business_id, aspect_key=key, source=source, source_id=s.pk,
                score=score, created_at=s.created_at,
            )
            for s in scored
            for key, score in s.analysis.aspects.items()
        ],
        batch_size=BATCH_SIZE,
        ignore_conflicts=True,
    )  # fmt: skip


def array_literal(values: Iterable[int | float | str | None]) -> str:
    """A PostgreSQL array literal ("{1,2.5,NULL}") of numbers, or of words that need no
    quoting (the labels: lower-case letters). psycopg2 adapts a list one element at a
    time in Python (2 to 4 µs each, milliseconds a batch); str() is the same text."""
    return "{" + ",".join("NULL" if value is None else str(value) for value in values) + "}"


def alerts_raise(model: type[ScoredText], scored: list[Scored], rules: dict[int, Rules], now):
    """An alert for each fresh text that is strongly negative or names an urgent matter.

    The unique (source, source_id) constraint makes a second delivery of the batch add
    nothing; the alerts go out once the batch commits.
    """
    source = model._meta.label
    alerts = []
    for s in scored:
        if s.created_at < now - ALERT_FRESH_FOR:
            continue
        rule = rules[s.business_id]
        terms = rule.urgent.found(s.text)
        negative = s.analysis.score is not None and s.analysis.score <= rule.alert_threshold
        if terms or negative:
            alerts.append(
                Alert(
                    business_id=s.business_id, source=source, source_id=s.pk,
                    reason=AlertReason.URGENT if terms else AlertReason.NEGATIVE, terms=terms,
                    score=s.analysis.score, excerpt=s.text[:EXCERPT_CHARS], created_at=now,
                )
            )  # fmt: skip
    alerts_save(alerts)


def alerts_save(alerts: list[Alert]) -> int:
    """Save alerts (a text that already has one keeps it: one alert per text) and
    deliver the ones saved here once the transaction commits. Shared by the scorer and
    by reputation's low-star alerts; returns how many were new.

    The uuids made here tell this call's rows from ones saved before (a batch delivered
    twice, or a low-star alert raised before its text was scored), so an alert is sent
    once; one whose sending was lost is the sweeper's (tasks.sweep_alerts).
    """
    if not alerts:
        return 0
    Alert.objects.bulk_create(alerts, ignore_conflicts=True)
    saved = list(
        Alert.objects.filter(uuid__in=[a.uuid for a in alerts], emailed_at=None).values_list(
            "pk", flat=True
        )
    )
    from .tasks import deliver_alert

    for alert_id in saved:
        enqueue_on_commit(deliver_alert, alert_id)
    return len(saved)


def after_scoring(*, model: type[ScoredText], written: dict[int, datetime]) -> None:
    """Let the app that owns the text act on fresh negative scores (open a follow-up case).

    Only the texts scored negative are passed: they are all any hook acts on, and a
    hook's query over all 500 ids of a batch took more of the worker's Python time than
    writing the batch's scores. With each one's id goes when it was written, so a hook
    that only acts on recent texts needs no query for a batch of history (an import, a
    backfill).

    The hooks are named in settings.TEXTANALYSIS_AFTER_SCORING, so this module never
    imports the apps that use it.
    """
    hook_path = settings.TEXTANALYSIS_AFTER_SCORING.get(model._meta.label)
    if hook_path and written:
        import_string(hook_path)(written=written)


def texts_rescore_edited(*, model: type[ScoredText], ids: Sequence[int]) -> None:
    """Rows whose text was edited (a review changed on its site): their analysis no
    longer holds. They are marked unscored, lose their aspect mentions (the scorer only
    adds mentions) and are scored again once the transaction commits, like new texts."""
    if not ids:
        return
    model.objects.filter(pk__in=ids).update(scored_at=None)
    AspectMention.objects.filter(source=model._meta.label, source_id__in=ids).delete()
    texts_enqueue_scoring(model=model, ids=ids)


def texts_enqueue_scoring(*, model: type[ScoredText], ids: Sequence[int]) -> None:
    """Ask a worker to score these rows once the current transaction commits (batched
    with other requests' rows: many short submissions become one task)."""
    enqueue_ids_on_commit(scoring_task(), model._meta.label, ids)


@lru_cache(maxsize=1)
def scoring_task():
    """The scoring task itself. The tasks module exports Celery's proxy for it, which
    looks the task up again on each attribute read (every submission with a comment)."""
    from .tasks import score_texts  # tasks imports this module

    return score_texts._get_current_object()


def unscored_ids(*, model: type[ScoredText], older_than: timedelta, limit: int) -> list[int]:
    cutoff = timezone.now() - older_than
    pending = model.objects.filter(scored_at=None, created_at__lt=cutoff)
    pending = pending.exclude(**{model.TEXT_FIELD: ""})
    return list(pending.order_by("pk").values_list("pk", flat=True)[:limit])
