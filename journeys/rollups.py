"""The daily roll-up of voices: summed per day, survey or touchpoint, location, segment, channel.

A voice is a survey response or a staff interaction (online reviews join with the
reputation app). Every figure is summed by the database in three grouped queries; the
roll-up keeps those sums for closed days, so the map never scans a year of raw rows.

Days become "closed" once they are two days old (late scores arrive within seconds; the
spare day covers a worker outage), and yesterday sooner: once today is CLOSE_AFTER old
and every text written yesterday has been scored, nothing can change it but what the
full rebuild catches anyway (see `last_closed_day`). The day after the last closed one
(today, as a rule) is built too, up to a moment (`today_until`: CLOSE_AFTER ago, and
never past a text still waiting for its score). `rollups_advance` (Celery beat, every
five minutes) builds newly closed days and today so far; what came after is read from
the raw rows on every request (`Coverage`), so the map is always current and reads a
few minutes of raw rows. A text dated on a built part of a day (a review published
yesterday, fetched and scored today) rebuilds from its day once scored
(rollup_take_in_late). A full rebuild (command, nightly task, after a
rescore or when a survey moves to another touchpoint) catches what else changes old
days: imported purchases that turn voices into returning customers, erased customers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth, TruncWeek
from django.db.models.lookups import LessThan
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.models import Business
from customers.models import Customer, Purchase
from feedback.models import Answer, Interaction, QuestionKind, Response, TrustPillar
from textanalysis.models import AspectMention, SentimentLabel

from .models import STAFF_CHANNEL, AspectDay, RollupState, Segment, TouchpointDay

# A purchase this long before a voice was an earlier visit: the customer is returning.
# (The visit a voice is about often comes with a purchase a few hours before it.)
EARLIER_VISIT = timedelta(hours=48)
OPEN_DAYS = 2
# Yesterday may close once today is this old: a submission begun before midnight has
# committed by then (its created_at is taken before its INSERT commits).
CLOSE_AFTER = timedelta(minutes=10)
SCORED_LABELS = (SentimentLabel.POSITIVE, SentimentLabel.NEUTRAL, SentimentLabel.NEGATIVE)
SATISFIED_FROM = 4  # CSAT 4-5 of 1-5 is satisfied
EASY_FROM = 5  # CES 5-7 of 1-7 agrees it was easy
PROMOTER_FROM, DETRACTOR_UP_TO = 9, 6  # NPS 0-10


@dataclass
class Sums:
    """One roll-up cell's figures (the numeric fields of TouchpointDay)."""

    voices: int = 0
    sentiment_n: int = 0
    sentiment_sum: float = 0.0
    sentiment_squares: float = 0.0
    positive_n: int = 0
    negative_n: int = 0
    nps_n: int = 0
    nps_promoters: int = 0
    nps_detractors: int = 0
    csat_n: int = 0
    csat_sum: int = 0
    csat_satisfied: int = 0
    ces_n: int = 0
    ces_sum: int = 0
    ces_squares: int = 0
    ces_easy: int = 0
    reliability_n: int = 0
    reliability_sum: int = 0
    integrity_n: int = 0
    integrity_sum: int = 0
    competence_n: int = 0
    competence_sum: int = 0
    benevolence_n: int = 0
    benevolence_sum: int = 0

    def add(self, row: dict) -> None:
        for name in SUM_FIELDS:
            value = row.get(name)
            if value:
                setattr(self, name, getattr(self, name) + value)


SUM_FIELDS = tuple(field.name for field in fields(Sums))


@dataclass(frozen=True)
class Filters:
    """Which voices count: a location, a segment (new or returning), a customer tag, a
    survey, a touchpoint, a channel (a survey channel, or STAFF_CHANNEL for interactions)."""

    location_id: int | None = None
    segment: str = ""
    tag: str = ""
    survey_id: int | None = None
    touchpoint_id: int | None = None
    channel: str = ""

    @property
    def surveys_only(self) -> bool:
        """Only survey voices pass (a survey or a survey channel is chosen)."""
        return bool(self.survey_id) or self.channel not in ("", STAFF_CHANNEL)


# --- Periods and days ---------------------------------------------------------------


def zone_of(business: Business) -> ZoneInfo:
    return ZoneInfo(business.time_zone)


def local_today(business: Business, now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), zone_of(business)).date()


def first_open_day(business: Business, now: datetime | None = None) -> date:
    """Today once it is CLOSE_AFTER old (whatever began before midnight has committed
    by then), else yesterday: the first day new rows may still be written to."""
    now = now or timezone.now()
    today = local_today(business, now)
    today_began, _ = day_bounds(business, today, today)
    return today if now - today_began >= CLOSE_AFTER else today - timedelta(days=1)


def last_closed_day(business: Business, now: datetime | None = None) -> date:
    """The newest day a build may hold: the day before yesterday (OPEN_DAYS), or
    yesterday once no row can still be written to it (first_open_day) and no text
    written on it waits for its score. Then only today is read raw."""
    today = local_today(business, now)
    yesterday = today - timedelta(days=1)
    if first_open_day(business, now) == today and not texts_waiting(business, yesterday):
        return yesterday
    return today - timedelta(days=OPEN_DAYS)


def texts_waiting(business: Business, day: date) -> bool:
    """Whether a text the business heard on `day` has not been scored yet."""
    return first_text_waiting(business, *day_bounds(business, day, day)) is not None


def day_bounds(business: Business, first: date, last: date) -> tuple[datetime, datetime]:
    """From the start of `first` to the end of `last`, in the business's time zone."""
    zone = zone_of(business)
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def window_bounds(
    business: Business, first: date, last: date, window: Window
) -> tuple[datetime, datetime]:
    """day_bounds narrowed to the window (a start after the end selects nothing)."""
    start, end = day_bounds(business, first, last)
    return max(start, window.since or start), min(end, window.until or end)


# --- Raw voices, grouped ------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """Of days first..last, only the voices heard from `since` and before `until`."""

    since: datetime | None = None
    until: datetime | None = None


def raw_sums(
    business: Business,
    first: date,
    last: date,
    filters: Filters,
    *,
    by: tuple[str, ...],
    window: Window = Window(),
) -> dict[tuple, Sums]:
    """The voices of days first..last (within `window`) summed from the raw rows, keyed by
    the `by` dimensions ("day", "touchpoint", "location", "segment"). Three grouped
    queries."""
    cells: dict[tuple, Sums] = {}
    for rows in (_response_counts(business, first, last, filters, by, window),
                 _answer_sums(business, first, last, filters, by, window),
                 _interaction_sums(business, first, last, filters, by, window)):  # fmt: skip
        for row in rows:
            cells.setdefault(tuple(row[f"by_{name}"] for name in by), Sums()).add(row)
    return cells


def _dimensions(business: Business, *, via: str, touchpoint: str, survey: str | None) -> dict:
    """The grouping expressions of a voice: `via` is the path to the row holding the
    customer, location and time ("" for the row itself, "response__" for answers)."""
    zone = zone_of(business)
    return {
        "day": TruncDate(f"{via}created_at", tzinfo=zone),
        "week": TruncWeek(f"{via}created_at", tzinfo=zone, output_field=DateField()),
        "month": TruncMonth(f"{via}created_at", tzinfo=zone, output_field=DateField()),
        "survey": F(survey) if survey else Value(None, output_field=IntegerField()),
        "touchpoint": F(touchpoint),
        "location": F(f"{via}location_id"),
        "segment": _segment(via),
        "channel": F(f"{via}channel") if survey else Value(STAFF_CHANNEL),
    }


def _earlier_visit(via: str) -> Exists:
    return Exists(
        Purchase.objects.filter(
            business=OuterRef(f"{via}business_id"),
            customer=OuterRef(f"{via}customer_id"),
            purchased_at__lt=OuterRef(f"{via}created_at") - EARLIER_VISIT,
        )
    )


def _segment(via: str) -> Case:
    return Case(
        When(**{f"{via}customer_id": None}, then=Value(Segment.UNKNOWN)),
        When(_earlier_visit(via), then=Value(Segment.RETURNING)),
        default=Value(Segment.NEW),
    )


def _first_purchase(via: str) -> Subquery:
    """The moment of the customer's first purchase (NULL when they bought nothing)."""
    return Subquery(
        Purchase.objects.filter(
            business=OuterRef(f"{via}business_id"), customer=OuterRef(f"{via}customer_id")
        )
        .order_by("purchased_at")
        .values("purchased_at")[:1]
    )


def segment_filter(segment: str, via: str, *, walk: bool = False) -> Q:
    """The voices of one segment, as plain conditions rather than a test of `_segment`'s
    CASE: PostgreSQL cannot estimate how many rows a CASE keeps (it guesses 0.5%), and
    with that guess it sorted a year of rows instead of walking the newest first.

    `walk`: for a query that walks rows newest first up to a LIMIT (a comment sample).
    There "returning" compares the customer's first purchase with the voice's time (the
    same voices as the EXISTS): PostgreSQL turns the EXISTS into a semi-join it guesses
    keeps a tenth of the rows when it keeps most of them (70% in the benchmark), and so
    sorted a year of a survey's responses rather than walk the newest few hundred; the
    comparison is guessed at a third, and the walk is chosen. Summing many rows, the
    EXISTS stays: its semi-join runs in parallel workers, a probe per row does not.
    (New customers' NOT EXISTS errs the other way, which also chooses the walk.)"""
    if segment == Segment.UNKNOWN:
        return Q(**{f"{via}customer_id": None})
    known = Q(**{f"{via}customer_id__isnull": False})
    if segment == Segment.RETURNING and walk:
        return known & Q(LessThan(_first_purchase(via), F(f"{via}created_at") - EARLIER_VISIT))
    if segment == Segment.RETURNING:
        return known & Q(_earlier_visit(via))
    return known & ~Q(_earlier_visit(via))


def scoped(
    queryset: QuerySet,
    business: Business,
    first: date,
    last: date,
    filters: Filters,
    via: str,
    *,
    walk: bool = False,
    window: Window = Window(),
) -> QuerySet:
    """The business's voices of days first..last that pass the filters; `via` is the path
    to the row holding time, location and customer ("" or "response__").

    `walk`: the caller walks one of the business's surveys (or touchpoints) newest first
    up to a LIMIT. The business then stays off the response (never off the queryset's
    own rows), so the survey's (survey, created_at) index serves the period: named,
    PostgreSQL would rather walk every survey's responses by (business, created_at), in
    parallel workers, for 150 rows. The segment is tested for a walk (segment_filter)."""
    start, end = window_bounds(business, first, last, window)
    queryset = queryset.filter(
        business=business, **{f"{via}created_at__gte": start, f"{via}created_at__lt": end}
    )
    if via and not walk:
        # The business on the row holding the time too, so its (business, created_at)
        # index serves the period rather than a scan of every business's rows.
        queryset = queryset.filter(**{f"{via}business": business})
    if filters.location_id:
        queryset = queryset.filter(**{f"{via}location_id": filters.location_id})
    if filters.tag:
        queryset = queryset.filter(
            **{
                f"{via}customer__in": Customer.objects.filter(
                    tag_filter(filters.tag), business=business
                )
            }
        )
    if filters.segment:
        queryset = queryset.filter(segment_filter(filters.segment, via, walk=walk))
    return _source_filtered(queryset, filters, via)


def _source_filtered(queryset: QuerySet, filters: Filters, via: str) -> QuerySet:
    """The survey, touchpoint and channel filters: survey voices name them through the
    survey and response, staff interactions by their own touchpoint."""
    if queryset.model is Interaction:
        if filters.surveys_only:
            return queryset.none()
        if filters.touchpoint_id:
            queryset = queryset.filter(touchpoint_id=filters.touchpoint_id)
        return queryset
    if filters.channel == STAFF_CHANNEL:
        return queryset.none()
    if filters.channel:
        queryset = queryset.filter(**{f"{via}channel": filters.channel})
    if filters.survey_id:
        queryset = queryset.filter(**{f"{via}survey_id": filters.survey_id})
    if filters.touchpoint_id:
        queryset = queryset.filter(**{f"{via}survey__touchpoint_id": filters.touchpoint_id})
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
    # Aliased "by_…", as "touchpoint" would clash with the model's field.
    wanted = {f"by_{name}": dimensions[name] for name in by}
    return queryset.annotate(**wanted).values(*(f"by_{name}" for name in by))


def _response_counts(business, first, last, filters, by, window) -> QuerySet:
    responses = scoped(
        Response.objects.all(), business, first, last, filters, via="", window=window
    )
    grouped = _grouped(
        responses, business, by, via="", touchpoint="survey__touchpoint_id", survey="survey_id"
    )
    return grouped.annotate(voices=Count("id")).order_by()


def _answer_sums(business, first, last, filters, by, window) -> QuerySet:
    answers = scoped(
        Answer.objects.all(), business, first, last, filters, via="response__", window=window
    )
    answers = answers.filter(
        Q(sentiment_label__in=SCORED_LABELS)
        | Q(question__kind__in=NUMBER_KINDS, number__isnull=False)
    )
    grouped = _grouped(
        answers,
        business,
        by,
        via="response__",
        touchpoint="response__survey__touchpoint_id",
        survey="response__survey_id",
    )
    return grouped.annotate(
        **_sentiment_sums(), **_nps_sums(), **_csat_sums(), **_ces_sums(), **_trust_sums()
    ).order_by()


NUMBER_KINDS = (QuestionKind.NPS, QuestionKind.CSAT, QuestionKind.CES, QuestionKind.TRUST)


def _numbers(kind: str, **more) -> Q:
    return Q(question__kind=kind, number__isnull=False, **more)


def _nps_sums() -> dict[str, object]:
    nps = _numbers(QuestionKind.NPS)
    return {
        "nps_n": Count("id", filter=nps),
        "nps_promoters": Count("id", filter=nps & Q(number__gte=PROMOTER_FROM)),
        "nps_detractors": Count("id", filter=nps & Q(number__lte=DETRACTOR_UP_TO)),
    }


def _csat_sums() -> dict[str, object]:
    csat = _numbers(QuestionKind.CSAT)
    return {
        "csat_n": Count("id", filter=csat),
        "csat_sum": Sum("number", filter=csat),
        "csat_satisfied": Count("id", filter=csat & Q(number__gte=SATISFIED_FROM)),
    }


def _ces_sums() -> dict[str, object]:
    ces = _numbers(QuestionKind.CES)
    return {
        "ces_n": Count("id", filter=ces),
        "ces_sum": Sum("number", filter=ces),
        "ces_squares": Sum(F("number") * F("number"), filter=ces),
        "ces_easy": Count("id", filter=ces & Q(number__gte=EASY_FROM)),
    }


def _trust_sums() -> dict[str, object]:
    sums = {}
    for pillar in TrustPillar.values:
        items = _numbers(QuestionKind.TRUST, question__pillar=pillar)
        sums[f"{pillar}_n"] = Count("id", filter=items)
        sums[f"{pillar}_sum"] = Sum("number", filter=items)
    return sums


def _interaction_sums(business, first, last, filters, by, window) -> QuerySet:
    interactions = scoped(
        Interaction.objects.all(), business, first, last, filters, via="", window=window
    )
    grouped = _grouped(interactions, business, by, via="", touchpoint="touchpoint_id")
    return grouped.annotate(voices=Count("id"), **_sentiment_sums()).order_by()


def _sentiment_sums() -> dict[str, object]:
    scored = Q(sentiment_label__in=SCORED_LABELS)
    return {
        "sentiment_n": Count("id", filter=scored),
        "sentiment_sum": Sum("sentiment_score", filter=scored),
        "sentiment_squares": Sum(F("sentiment_score") * F("sentiment_score"), filter=scored),
        "positive_n": Count("id", filter=Q(sentiment_label=SentimentLabel.POSITIVE)),
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
    if filters.survey_id:
        rows = rows.filter(survey_id=filters.survey_id)
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    # A survey's rows count where the survey is now (see TouchpointDay.survey).
    at_touchpoint = Coalesce("survey__touchpoint_id", "touchpoint_id")
    if filters.touchpoint_id:
        rows = rows.alias(at_touchpoint=at_touchpoint).filter(at_touchpoint=filters.touchpoint_id)
    columns = {
        "survey": F("survey_id"),
        "touchpoint": at_touchpoint,
        "location": F("location_id"),
        "segment": F("segment"),
        "channel": F("channel"),
    }
    return grouped_sums(rows, columns, by)


# The periods every roll-up's rows group by: they all have a local `day`.
DAY_COLUMNS = {
    "day": F("day"),
    "week": TruncWeek("day", output_field=DateField()),
    "month": TruncMonth("day", output_field=DateField()),
}


def grouped_sums(rows: QuerySet, columns: dict, by: tuple[str, ...]) -> dict[tuple, Sums]:
    """A roll-up's rows summed by the `by` columns (the periods of DAY_COLUMNS, or
    expressions named in `columns`), in one grouped query: cells keyed by the columns'
    values in the order of `by`."""
    columns = {**DAY_COLUMNS, **columns}
    grouped = (
        rows.annotate(**{f"by_{name}": columns[name] for name in by})
        .values(*(f"by_{name}" for name in by))
        .annotate(**{name: Sum(name) for name in SUM_FIELDS})
    )
    cells: dict[tuple, Sums] = {}
    for row in grouped.order_by():
        cells.setdefault(tuple(row[f"by_{name}"] for name in by), Sums()).add(row)
    return cells


@dataclass(frozen=True)
class Coverage:
    """How far a business's roll-up reaches (its RollupState): every day through
    `through`, and of the next day (today, as a rule) the voices heard before `until`,
    None when none of them. Nothing is built while `through` is None."""

    through: date | None = None
    until: datetime | None = None

    def split(self, first: date, last: date) -> tuple[tuple[date, date] | None, tuple | None]:
        """Days first..last as (the days read from the roll-up, the days read from raw
        rows), either None when there are none. The day after `through` is in both
        when `until` is set: its voices before `until` are built, later ones are read
        raw (`window`); `until` may be that day's end, the next midnight."""
        if self.through is None:
            return None, (first, last)
        rolled_through = self.through + timedelta(days=1) if self.until else self.through
        built = (first, min(last, rolled_through)) if rolled_through >= first else None
        live = (max(first, self.through + timedelta(days=1)), last) if last > self.through else None
        return built, live

    @property
    def window(self) -> Window:
        """What the raw days read: the voices heard from `until` on."""
        return Window(since=self.until)

    def holds(self, moment: datetime, day: date) -> bool:
        """Whether a voice heard at `moment`, on the business's `day`, is summed in the
        roll-up (not read raw)."""
        if self.through is None:
            return False
        return day <= self.through or (self.until is not None and moment < self.until)


def period_sums(
    business: Business,
    first: date,
    last: date,
    filters: Filters,
    *,
    by: tuple[str, ...],
    coverage: Coverage,
    rolled=None,
) -> dict[tuple, Sums]:
    """Sums for days first..last: built days from the roll-up, later voices from raw
    rows. A tag filter reads raw rows throughout (tags are not a roll-up dimension).

    `coverage` is the roll-up's (coverage_of), read once per request so that all its
    figures come from one build. A caller with another roll-up of the same sums for
    these filters (metrics.kpi_rollup) passes its reader as `rolled`."""
    if filters.tag:
        coverage = Coverage()
    built, live = coverage.split(first, last)
    cells = (rolled or rolled_sums)(business, *built, filters, by=by) if built else {}
    if live:
        for key, sums in raw_sums(business, *live, filters, by=by, window=coverage.window).items():
            cells.setdefault(key, Sums()).add(vars(sums))
    return cells


def coverage_of(business: Business) -> Coverage:
    row = RollupState.objects.filter(business=business).values("built_through", "built_until")
    found = row.first()
    return Coverage(found["built_through"], found["built_until"]) if found else Coverage()


def rollup_build(*, business: Business, first: date | None = None) -> int:
    """(Re)build the business's roll-up from `first` (default: its first voice) through
    the last closed day, and the day after so far (`today_until`); return how many cells
    were written. One transaction: readers see the old roll-up or the new one, never
    half of one, and the roll-ups made from it (settings.JOURNEYS_AFTER_BUILD) follow
    in the same transaction."""
    last = last_closed_day(business)
    start = first or first_voice_day(business) or last
    with transaction.atomic():
        state, _ = RollupState.objects.select_for_update().get_or_create(business=business)
        # A whole rebuild (no `first`) drops every day, not only those from its first
        # voice on: that may fall later than the old first day now (the voice erased,
        # or the business moved to another time zone).
        days = TouchpointDay.objects.filter(business=business)
        aspect_days = AspectDay.objects.filter(business=business)
        if first is not None:
            days, aspect_days = days.filter(day__gte=start), aspect_days.filter(day__gte=start)
        days.delete()
        aspect_days.delete()
        cells = (
            raw_sums(business, start, last, Filters(), by=ROLLUP_DIMENSIONS)
            if start <= last
            else {}
        )
        _aspect_days_build(business, start, last)
        state.built_through = max(last, start - timedelta(days=1))
        cells |= _next_day_build(business, state)
        TouchpointDay.objects.bulk_create(_rows(business, cells), batch_size=2000)
        if state.rebuild_from is not None and (first is None or state.rebuild_from >= start):
            state.rebuild_from = None  # taken in by this build
        state.built_at = timezone.now()
        state.save()
        builds_follow(business=business, first=first)
    return len(cells)


def builds_follow(*, business: Business, first: date | None) -> int:
    """The roll-ups made from the journey roll-up (settings.JOURNEYS_AFTER_BUILD) rewrite
    the days it rebuilt, from `first` (every day if None), in the caller's transaction;
    returns the rows they wrote."""
    return sum(
        import_string(hook_path)(business=business, first=first)
        for hook_path in settings.JOURNEYS_AFTER_BUILD
    )


def _next_day_build(business: Business, state: RollupState) -> dict[tuple, Sums]:
    """The cells of the day after `state.built_through`, of its voices heard before
    `today_until` (their aspect days written here), and `state.built_until` set to it.
    The day's old rows must be gone already."""
    day = state.built_through + timedelta(days=1)
    until = today_until(business, day)
    state.built_until = until
    if until is None:
        return {}
    window = Window(until=until)
    _aspect_days_build(business, day, day, window=window)
    return raw_sums(business, day, day, Filters(), by=ROLLUP_DIMENSIONS, window=window)


def today_until(business: Business, day: date, now: datetime | None = None) -> datetime | None:
    """How far `day` (the first day not closed, today as a rule) may be built: to
    CLOSE_AFTER ago (a submission begun before then has committed) and not past its
    first text still waiting for a score (its sentiment and aspects are still to come).
    None when that leaves nothing of it."""
    start, end = day_bounds(business, day, day)
    until = min((now or timezone.now()) - CLOSE_AFTER, end)
    waiting = first_text_waiting(business, start, until)
    until = min(until, waiting) if waiting else until
    return until if until > start else None


def first_text_waiting(business: Business, start: datetime, end: datetime) -> datetime | None:
    """When the business's first text heard in [start, end) still waiting for a score
    was heard, None if none. (The sweeper's partial indexes hold such answers and
    interactions; reviews are found by their business and time.)"""
    from textanalysis.services import scorable_models  # textanalysis imports this app

    found = []
    for model in scorable_models():
        waiting = model.objects.filter(
            business=business, scored_at=None, created_at__gte=start, created_at__lt=end
        ).exclude(**{model.TEXT_FIELD: ""})
        first = waiting.order_by("created_at").values_list("created_at", flat=True).first()
        if first is not None:
            found.append(first)
    return min(found, default=None)


def rollup_advance(*, business: Business) -> int:
    """Every few minutes: build the days closed since the last build, if any, and
    rebuild the day after the last closed one so far (today, as a rule), so that a
    reader sums only the voices of the last few minutes from raw rows; from an earlier
    day when a late text landed there (`rebuild_from`). Returns the cells written."""
    with transaction.atomic():
        state = RollupState.objects.select_for_update().filter(business=business).first()
        return rollup_build(business=business, first=advance_start(state))


def advance_start(state: RollupState | None) -> date | None:
    """The first day an advance rebuilds: the day after the last closed one built, or
    the day a late text landed on if earlier (None: never built, so all of them)."""
    if state is None or state.built_through is None:
        return None
    next_day = state.built_through + timedelta(days=1)
    return min(next_day, state.rebuild_from) if state.rebuild_from else next_day


def rollup_take_in_late(*, oldest: dict[int, datetime]) -> None:
    """A hook after scoring (settings.TEXTANALYSIS_AFTER_SCORES): a text dated on a part
    of a day its business's roll-up holds already (a review published yesterday, fetched
    and scored today; an import) marks that day to rebuild from, and the next advance
    (within five minutes) does it once, however many batches landed meanwhile. Texts
    heard in the last CLOSE_AFTER are never held by a build: they cost no query."""
    settled = timezone.now() - CLOSE_AFTER
    late = {pk: moment for pk, moment in oldest.items() if moment < settled}
    if not late:
        return
    states = (
        RollupState.objects.filter(business_id__in=list(late))
        .exclude(built_through=None)
        .select_related("business")
    )
    for state in states:  # the businesses of one batch: one, as a rule
        moment = late[state.business_id]
        day = local_today(state.business, moment)
        if Coverage(state.built_through, state.built_until).holds(moment, day):
            RollupState.objects.filter(pk=state.pk).filter(
                Q(rebuild_from=None) | Q(rebuild_from__gt=day)
            ).update(rebuild_from=day)


ROLLUP_DIMENSIONS = ("day", "survey", "touchpoint", "location", "segment", "channel")


def _rows(business: Business, cells: dict[tuple, Sums]) -> Iterable[TouchpointDay]:
    for (day, survey_id, touchpoint_id, location_id, segment, channel), sums in cells.items():
        yield TouchpointDay(
            business=business,
            day=day,
            survey_id=survey_id,
            # A survey's touchpoint is read from the survey (see TouchpointDay.survey).
            touchpoint_id=None if survey_id else touchpoint_id,
            location_id=location_id,
            segment=segment,
            channel=channel,
            **vars(sums),
        )


# --- Aspects --------------------------------------------------------------------------


@dataclass
class AspectSums:
    """Mentions of one aspect and the sum of their sentiment scores (mean = sum / n)."""

    mentions: int = 0
    score_sum: float = 0.0

    def add(self, mentions: int, score_sum: float) -> None:
        self.mentions += mentions
        self.score_sum += score_sum

    @property
    def mean(self) -> float | None:
        return self.score_sum / self.mentions if self.mentions else None


def aspect_sums(
    business: Business, first: date, last: date, coverage: Coverage
) -> dict[str, AspectSums]:
    """Each aspect's mentions on days first..last: built days from AspectDay, later
    mentions from the raw ones (as period_sums does for voices, with its `coverage`)."""
    built, live = coverage.split(first, last)
    sums: dict[str, AspectSums] = {}
    if built:
        days = AspectDay.objects.filter(business=business, day__gte=built[0], day__lte=built[1])
        rows = days.values("aspect_key").annotate(n=Sum("mentions"), total=Sum("score_sum"))
        for row in rows.order_by():
            sums[row["aspect_key"]] = AspectSums(row["n"], row["total"])
    if live:
        for row in _mention_sums(business, *live, window=coverage.window):
            sums.setdefault(row["aspect_key"], AspectSums()).add(row["n"], row["total"])
    return sums


def _mention_sums(
    business: Business, first: date, last: date, *by: str, window: Window = Window()
) -> QuerySet:
    """The raw mentions of days first..last (within `window`) grouped by aspect (and
    `by`): n and score sum."""
    start, end = window_bounds(business, first, last, window)
    mentions = AspectMention.objects.filter(
        business=business, created_at__gte=start, created_at__lt=end
    )
    if "day" in by:
        mentions = mentions.annotate(day=TruncDate("created_at", tzinfo=zone_of(business)))
    return (
        mentions.values(*by, "aspect_key").annotate(n=Count("score"), total=Sum("score")).order_by()
    )


def _aspect_days_build(
    business: Business, first: date, last: date, *, window: Window = Window()
) -> None:
    """Write the business's AspectDay rows of days first..last (within `window`) from the
    raw mentions (inside a build's transaction, the days' old rows deleted)."""
    if first > last:
        return
    AspectDay.objects.bulk_create(
        (
            AspectDay(business=business, day=row["day"], aspect_key=row["aspect_key"],
                      mentions=row["n"], score_sum=row["total"])
            for row in _mention_sums(business, first, last, "day", window=window)
        ),
        batch_size=2000,
    )  # fmt: skip


def first_voice_day(business: Business) -> date | None:
    zone = zone_of(business)
    firsts = [
        model.objects.filter(business=business).order_by("created_at")
        .values_list("created_at", flat=True).first()
        # Mentions too: a text can be heard before any voice (an online review).
        for model in (Response, Interaction, AspectMention)
    ]  # fmt: skip
    known = [moment for moment in firsts if moment is not None]
    return timezone.localtime(min(known), zone).date() if known else None
