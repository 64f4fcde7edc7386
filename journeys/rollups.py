"""The journey's daily roll-up: voices summed per day, touchpoint, location and segment.

A voice is a survey response or a staff interaction (online reviews join with the
reputation app). Every figure is summed by the database in three grouped queries; the
roll-up keeps those sums for closed days, so the map never scans a year of raw rows.

Days become "closed" once they are two days old (late scores arrive within seconds; the
spare day covers a worker outage). `rollups_advance` (Celery beat) builds newly closed
days; days after `built_through` are read from the raw rows on every request, so the map
is always current. A full rebuild (command, nightly task, after a rescore or when a
survey moves to another touchpoint) catches what changes old days: late scores, imported
purchases that turn voices into returning customers, erased customers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import Business
from customers.models import Customer, Purchase
from feedback.models import Answer, Interaction, QuestionKind, Response
from textanalysis.models import SentimentLabel

from .models import RollupState, Segment, TouchpointDay

# A purchase this long before a voice was an earlier visit: the customer is returning.
# (The visit a voice is about often comes with a purchase a few hours before it.)
EARLIER_VISIT = timedelta(hours=48)
OPEN_DAYS = 2
SCORED_LABELS = (SentimentLabel.POSITIVE, SentimentLabel.NEUTRAL, SentimentLabel.NEGATIVE)
SATISFIED_FROM = 4  # CSAT 4-5 of 1-5 is satisfied


@dataclass
class Sums:
    """One roll-up cell's figures (the numeric fields of TouchpointDay)."""

    voices: int = 0
    sentiment_n: int = 0
    sentiment_sum: float = 0.0
    sentiment_squares: float = 0.0
    negative_n: int = 0
    csat_n: int = 0
    csat_sum: int = 0
    csat_satisfied: int = 0
    ces_n: int = 0
    ces_sum: int = 0

    def add(self, row: dict) -> None:
        for name in SUM_FIELDS:
            value = row.get(name)
            if value:
                setattr(self, name, getattr(self, name) + value)


SUM_FIELDS = tuple(field.name for field in fields(Sums))


@dataclass(frozen=True)
class Filters:
    """Which voices count: a location, a segment (new or returning), a customer tag."""

    location_id: int | None = None
    segment: str = ""
    tag: str = ""


# --- Periods and days ---------------------------------------------------------------


def zone_of(business: Business) -> ZoneInfo:
    return ZoneInfo(business.time_zone)


def local_today(business: Business) -> date:
    return timezone.localtime(timezone.now(), zone_of(business)).date()


def day_bounds(business: Business, first: date, last: date) -> tuple[datetime, datetime]:
    """From the start of `first` to the end of `last`, in the business's time zone."""
    zone = zone_of(business)
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


# --- Raw voices, grouped ------------------------------------------------------------


def raw_sums(
    business: Business, first: date, last: date, filters: Filters, *, by: tuple[str, ...]
) -> dict[tuple, Sums]:
    """The voices of days first..last summed from the raw rows, keyed by the `by` dimensions
    ("day", "touchpoint", "location", "segment"). Three grouped queries."""
    cells: dict[tuple, Sums] = {}
    for rows in (_response_counts(business, first, last, filters, by),
                 _answer_sums(business, first, last, filters, by),
                 _interaction_sums(business, first, last, filters, by)):  # fmt: skip
        for row in rows:
            cells.setdefault(tuple(row[f"by_{name}"] for name in by), Sums()).add(row)
    return cells


def _dimensions(business: Business, *, via: str, touchpoint: str, survey: str | None) -> dict:
    """The grouping expressions of a voice: `via` is the path to the row holding the
    customer, location and time ("" for the row itself, "response__" for answers)."""
    return {
        "day": TruncDate(f"{via}created_at", tzinfo=zone_of(business)),
        "survey": F(survey) if survey else Value(None, output_field=IntegerField()),
        "touchpoint": F(touchpoint),
        "location": F(f"{via}location_id"),
        "segment": _segment(via),
    }


def _segment(via: str) -> Case:
    earlier_visit = Purchase.objects.filter(
        customer=OuterRef(f"{via}customer_id"),
        purchased_at__lt=OuterRef(f"{via}created_at") - EARLIER_VISIT,
    )
    return Case(
        When(**{f"{via}customer_id": None}, then=Value(Segment.UNKNOWN)),
        When(Exists(earlier_visit), then=Value(Segment.RETURNING)),
        default=Value(Segment.NEW),
    )


def scoped(
    queryset: QuerySet, business: Business, first: date, last: date, filters: Filters, via: str
) -> QuerySet:
    """The business's voices of days first..last that pass the filters; `via` is the path
    to the row holding time, location and customer ("" or "response__")."""
    start, end = day_bounds(business, first, last)
    # The business on the row holding the time too, so its (business, created_at) index
    # serves the period rather than a scan of every business's rows.
    queryset = queryset.filter(
        business=business, **{f"{via}created_at__gte": start, f"{via}created_at__lt": end}
    )
    if via:
        queryset = queryset.filter(**{f"{via}business": business})
    if filters.location_id:
        queryset = queryset.filter(**{f"{via}location_id": filters.location_id})
    if filters.tag:
        queryset = queryset.filter(
            **{f"{via}customer__in": Customer.objects.filter(tag_filter(filters.tag))}
        )
    if filters.segment:
        queryset = queryset.annotate(by_segment=_segment(via)).filter(by_segment=filters.segment)
    return queryset


def _grouped(
    queryset: QuerySet,
    business: Business,
    by: tuple[str, ...],
    *,
    via: str,
    touchpoint: str,
    survey: str | None = None,
) -> QuerySet:
    dimensions = _dimensions(business, via=via, touchpoint=touchpoint, survey=survey)
    # Aliased "by_…", as "touchpoint" would clash with the model's field; a segment
    # filter has annotated "by_segment" already.
    wanted = {
        f"by_{name}": dimensions[name]
        for name in by
        if f"by_{name}" not in queryset.query.annotations
    }
    return queryset.annotate(**wanted).values(*(f"by_{name}" for name in by))


def _response_counts(business, first, last, filters, by) -> QuerySet:
    responses = scoped(Response.objects.all(), business, first, last, filters, via="")
    grouped = _grouped(
        responses, business, by, via="", touchpoint="survey__touchpoint_id", survey="survey_id"
    )
    return grouped.annotate(voices=Count("id")).order_by()


def _answer_sums(business, first, last, filters, by) -> QuerySet:
    answers = scoped(Answer.objects.all(), business, first, last, filters, via="response__")
    answers = answers.filter(
        Q(sentiment_label__in=SCORED_LABELS)
        | Q(question__kind__in=(QuestionKind.CSAT, QuestionKind.CES), number__isnull=False)
    )
    grouped = _grouped(
        answers,
        business,
        by,
        via="response__",
        touchpoint="response__survey__touchpoint_id",
        survey="response__survey_id",
    )
    csat = Q(question__kind=QuestionKind.CSAT, number__isnull=False)
    ces = Q(question__kind=QuestionKind.CES, number__isnull=False)
    return grouped.annotate(
        **_sentiment_sums(),
        csat_n=Count("id", filter=csat),
        csat_sum=Sum("number", filter=csat),
        csat_satisfied=Count("id", filter=csat & Q(number__gte=SATISFIED_FROM)),
        ces_n=Count("id", filter=ces),
        ces_sum=Sum("number", filter=ces),
    ).order_by()


def _interaction_sums(business, first, last, filters, by) -> QuerySet:
    interactions = scoped(Interaction.objects.all(), business, first, last, filters, via="")
    grouped = _grouped(interactions, business, by, via="", touchpoint="touchpoint_id")
    return grouped.annotate(voices=Count("id"), **_sentiment_sums()).order_by()


def _sentiment_sums() -> dict[str, object]:
    scored = Q(sentiment_label__in=SCORED_LABELS)
    return {
        "sentiment_n": Count("id", filter=scored),
        "sentiment_sum": Sum("sentiment_score", filter=scored),
        "sentiment_squares": Sum(F("sentiment_score") * F("sentiment_score"), filter=scored),
        "negative_n": Count("id", filter=Q(sentiment_label=SentimentLabel.NEGATIVE)),
    }


def tag_filter(tag: str) -> Q:
    """Customers carrying `tag` exactly (not a tag it is part of)."""
    if connection.features.supports_json_field_contains:
        return Q(tags__contains=[tag])
    # SQLite keeps the list as JSON text: match the tag with its quotes, as JSON writes it.
    return Q(tags__icontains=json.dumps(tag))


# --- The roll-up table --------------------------------------------------------------


def rolled_sums(
    business: Business, first: date, last: date, filters: Filters, *, by: tuple[str, ...]
) -> dict[tuple, Sums]:
    """The same sums as raw_sums, read from the roll-up (only for built days, no tags)."""
    rows = TouchpointDay.objects.filter(business=business, day__gte=first, day__lte=last)
    if filters.location_id:
        rows = rows.filter(location_id=filters.location_id)
    if filters.segment:
        rows = rows.filter(segment=filters.segment)
    # A survey's rows count where the survey is now (see TouchpointDay.survey).
    columns = {
        "day": F("day"),
        "survey": F("survey_id"),
        "touchpoint": Coalesce("survey__touchpoint_id", "touchpoint_id"),
        "location": F("location_id"),
        "segment": F("segment"),
    }
    grouped = (
        rows.annotate(**{f"by_{name}": columns[name] for name in by})
        .values(*(f"by_{name}" for name in by))
        .annotate(**{name: Sum(name) for name in SUM_FIELDS})
    )
    cells: dict[tuple, Sums] = {}
    for row in grouped.order_by():
        cells.setdefault(tuple(row[f"by_{name}"] for name in by), Sums()).add(row)
    return cells


def period_sums(
    business: Business, first: date, last: date, filters: Filters, *, by: tuple[str, ...]
) -> dict[tuple, Sums]:
    """Sums for days first..last: built days from the roll-up, later days from raw rows.
    A tag filter reads raw rows throughout (tags are not a roll-up dimension)."""
    built_through = None if filters.tag else built_through_of(business)
    if built_through is None or built_through < first:
        return raw_sums(business, first, last, filters, by=by)
    cells = rolled_sums(business, first, min(last, built_through), filters, by=by)
    if last > built_through:
        for key, sums in raw_sums(business, built_through + timedelta(days=1), last, filters,
                                  by=by).items():  # fmt: skip
            cells.setdefault(key, Sums()).add(vars(sums))
    return cells


def built_through_of(business: Business) -> date | None:
    return (
        RollupState.objects.filter(business=business)
        .values_list("built_through", flat=True)
        .first()
    )


def rollup_build(*, business: Business, first: date | None = None) -> int:
    """(Re)build the business's roll-up from `first` (default: its first voice) through
    the last closed day; return how many cells were written. One transaction: readers
    see the old roll-up or the new one, never half of one."""
    last = local_today(business) - timedelta(days=OPEN_DAYS)
    first = first or first_voice_day(business) or last
    with transaction.atomic():
        state, _ = RollupState.objects.select_for_update().get_or_create(business=business)
        TouchpointDay.objects.filter(business=business, day__gte=first).delete()
        cells = (
            raw_sums(business, first, last, Filters(), by=ROLLUP_DIMENSIONS)
            if first <= last
            else {}
        )
        TouchpointDay.objects.bulk_create(_rows(business, cells), batch_size=2000)
        state.built_through = max(last, first - timedelta(days=1))
        state.built_at = timezone.now()
        state.save()
    return len(cells)


ROLLUP_DIMENSIONS = ("day", "survey", "touchpoint", "location", "segment")


def _rows(business: Business, cells: dict[tuple, Sums]) -> Iterable[TouchpointDay]:
    for (day, survey_id, touchpoint_id, location_id, segment), sums in cells.items():
        yield TouchpointDay(
            business=business,
            day=day,
            survey_id=survey_id,
            # A survey's touchpoint is read from the survey (see TouchpointDay.survey).
            touchpoint_id=None if survey_id else touchpoint_id,
            location_id=location_id,
            segment=segment,
            **vars(sums),
        )


def rollup_advance(*, business: Business) -> int:
    """Build the days closed since the last build (nothing when it is up to date)."""
    built_through = built_through_of(business)
    if built_through is not None and built_through >= local_today(business) - timedelta(
        days=OPEN_DAYS
    ):
        return 0
    first = None if built_through is None else built_through + timedelta(days=1)
    return rollup_build(business=business, first=first)


def first_voice_day(business: Business) -> date | None:
    zone = zone_of(business)
    firsts = [
        model.objects.filter(business=business).order_by("created_at")
        .values_list("created_at", flat=True).first()
        for model in (Response, Interaction)
    ]  # fmt: skip
    known = [moment for moment in firsts if moment is not None]
    return timezone.localtime(min(known), zone).date() if known else None
