"""Reads for the owner's dashboard: the survey KPIs, their trends, aspects and voices.

Every figure comes from a daily roll-up: without a location, touchpoint, survey or segment
filter from the KPI roll-up (metrics.kpi_rollup.KpiDay, a few rows a day), with one from
the journey roll-up the journey map also reads (journeys.models.TouchpointDay); days not
yet built are summed from raw rows. So a dashboard costs about the same whether the
business has a thousand answers or a million.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef, QuerySet, Subquery

from accounts.models import Business
from feedback.models import Answer, QuestionKind, TrustPillar
from journeys.models import STAFF_CHANNEL
from journeys.rollups import AspectSums, Coverage, Filters, Sums, aspect_sums, coverage_of
from journeys.stats import Sample
from textanalysis.selectors import aspect_names

from .filters import KpiFilters, Period
from .kpi_rollup import KpiSource, kpi_source, kpi_sums
from .kpis import (
    Ces,
    Change,
    Csat,
    Nps,
    Pillar,
    SentimentMix,
    Share,
    TrustIndex,
)

GRAINS = ("week", "month")


def rollup_filters(filters: KpiFilters) -> Filters:
    """The roll-up's own filter type for a dashboard's filters."""
    return Filters(
        location_id=filters.location.pk if filters.location else None,
        segment=filters.segment,
        survey_id=filters.survey.pk if filters.survey else None,
        touchpoint_id=filters.touchpoint.pk if filters.touchpoint else None,
        channel=filters.channel,
    )


# --- The KPIs of a period ------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyKpis:
    """What customers said in one period: the survey KPIs and the sentiment of every text."""

    responses: int
    interactions: int
    nps: Nps
    csat: Csat
    ces: Ces
    trust: TrustIndex
    sentiment: SentimentMix


def kpis_from(sums: Sums, *, responses: int, interactions: int) -> SurveyKpis:
    return SurveyKpis(
        responses=responses,
        interactions=interactions,
        nps=Nps(n=sums.nps_n, promoters=sums.nps_promoters, detractors=sums.nps_detractors),
        csat=Csat(share=Share(n=sums.csat_n, hits=sums.csat_satisfied), total=sums.csat_sum),
        ces=Ces(
            sample=Sample(sums.ces_n, sums.ces_sum, sums.ces_squares),
            easy=Share(n=sums.ces_n, hits=sums.ces_easy),
        ),
        trust=TrustIndex(
            tuple(
                Pillar(
                    key=pillar.value,
                    label=str(pillar.label),
                    n=getattr(sums, f"{pillar.value}_n"),
                    total=getattr(sums, f"{pillar.value}_sum"),
                )
                for pillar in TrustPillar
            )
        ),
        sentiment=SentimentMix(
            positive=sums.positive_n,
            negative=sums.negative_n,
            sample=Sample(sums.sentiment_n, sums.sentiment_sum, sums.sentiment_squares),
        ),
    )


def _kpis_of(source: KpiSource, period: Period, filters: Filters) -> SurveyKpis:
    """One period's KPIs: its sums by channel (one roll-up query, raw ones for new days)."""
    cells = kpi_sums(source, period.first, period.last, filters, by=("channel",))
    return _added_up((channel, sums) for (channel,), sums in cells.items())


def _added_up(cells: Iterable[tuple[str, Sums]]) -> SurveyKpis:
    """The KPIs of (channel, sums) cells added up; staff interactions are the
    STAFF_CHANNEL cells, every other channel's voices are survey responses."""
    total, voices = Sums(), {"responses": 0, "interactions": 0}
    for channel, sums in cells:
        total.add(vars(sums))
        voices["interactions" if channel == STAFF_CHANNEL else "responses"] += sums.voices
    return kpis_from(total, **voices)


@dataclass(frozen=True)
class KpiComparison:
    """A period's KPIs next to the previous period of the same length, and whether each
    change is real (its 95% interval excludes zero) or may be chance."""

    period: Period
    current: SurveyKpis
    previous: SurveyKpis

    @property
    def nps_change(self) -> Change | None:
        return self.current.nps.change_since(self.previous.nps)

    @property
    def csat_change(self) -> Change | None:
        return self.current.csat.share.change_since(self.previous.csat.share)

    @property
    def ces_change(self) -> Change | None:
        return self.current.ces.change_since(self.previous.ces)

    @property
    def sentiment_change(self) -> Change | None:
        return self.current.sentiment.change_since(self.previous.sentiment)


def survey_kpis(*, business: Business, filters: KpiFilters) -> KpiComparison:
    voices, source = rollup_filters(filters), kpi_source(business=business)
    return KpiComparison(
        period=filters.period,
        current=_kpis_of(source, filters.period, voices),
        previous=_kpis_of(source, filters.period.previous(), voices),
    )


def survey_kpis_with_trend(
    *, source: KpiSource, filters: KpiFilters, grain: str
) -> tuple[KpiComparison, list[TrendPoint]]:
    """survey_kpis and kpi_trend from one read of the period: its totals are the sum of
    its trend's buckets, so the roll-up and the not-yet-built days are read once."""
    cells = _trend_cells(source, filters, grain)
    comparison = KpiComparison(
        period=filters.period,
        current=_added_up((channel, sums) for (_, channel), sums in cells.items()),
        previous=_kpis_of(source, filters.period.previous(), rollup_filters(filters)),
    )
    return comparison, _trend_of(cells)


# --- Trends ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    start: date  # the Monday of the week or the first of the month
    kpis: SurveyKpis


def kpi_trend(*, business: Business, filters: KpiFilters, grain: str) -> list[TrendPoint]:
    """The KPIs week by week or month by month over the period (the first and last
    buckets may be partial: they hold only the period's days)."""
    return _trend_of(_trend_cells(kpi_source(business=business), filters, grain))


def _trend_cells(source: KpiSource, filters: KpiFilters, grain: str) -> dict[tuple, Sums]:
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}, not {grain!r}")
    period = filters.period
    return kpi_sums(
        source, period.first, period.last, rollup_filters(filters), by=(grain, "channel")
    )


def _trend_of(cells: dict[tuple, Sums]) -> list[TrendPoint]:
    buckets: dict[date, list[tuple[str, Sums]]] = {}
    for (start, channel), sums in cells.items():
        buckets.setdefault(start, []).append((channel, sums))
    return [TrendPoint(start, _added_up(bucket)) for start, bucket in sorted(buckets.items())]


def default_grain(period: Period) -> str:
    """Weeks for a period of up to four months, months beyond (a readable chart)."""
    return "week" if period.days <= 122 else "month"


# --- Aspects -------------------------------------------------------------------------------

# An aspect needs this many mentions in each period before its move is worth showing.
ASPECT_MIN_MENTIONS = 5


@dataclass(frozen=True)
class AspectMove:
    key: str
    name: str
    mentions: int
    sentiment: float | None
    previous_mentions: int
    previous_sentiment: float | None

    @property
    def change(self) -> float | None:
        if self.previous_mentions < ASPECT_MIN_MENTIONS or self.mentions < ASPECT_MIN_MENTIONS:
            return None
        return self.sentiment - self.previous_sentiment


def aspect_moves(
    *,
    business: Business,
    period: Period,
    names: dict[str, str] | None = None,
    limit: int = 6,
    coverage: Coverage | None = None,
) -> list[AspectMove]:
    """What customers talk about in the period and how their feeling about it moved from
    the previous period, most-moved first (then most-mentioned). From the daily aspect
    roll-up (journeys.models.AspectDay) and the raw mentions of days not built yet.

    Aspect mentions carry no location or touchpoint, so only the period filters them.
    `coverage`: the roll-up's, when the caller has read it for its other figures."""
    coverage = coverage or coverage_of(business)  # read once for both periods
    now = aspect_sums(business, period.first, period.last, coverage)
    before = period.previous()
    then = aspect_sums(business, before.first, before.last, coverage)
    if names is None:
        names = aspect_names(business_id=business.pk)
    moves = [
        AspectMove(
            key=key,
            name=names.get(key, key),
            mentions=sums.mentions,
            sentiment=sums.mean,
            previous_mentions=then.get(key, AspectSums()).mentions,
            previous_sentiment=then.get(key, AspectSums()).mean,
        )
        for key, sums in now.items()
        if sums.mentions
    ]
    moves.sort(key=lambda move: (-abs(move.change or 0), -move.mentions, move.name))
    return moves[:limit]


# --- Voices ----------------------------------------------------------------------------


def latest_comments(*, business: Business, limit: int = 10) -> QuerySet[Answer]:
    """The newest comments, each with the NPS score given in the same response."""
    score_in_same_response = Answer.objects.filter(
        response=OuterRef("response"), question__kind=QuestionKind.NPS
    ).values("number")[:1]
    return (
        Answer.objects.filter(business=business)
        .exclude(text="")
        .annotate(nps=Subquery(score_in_same_response))
        .select_related("response__survey")
        .order_by("-created_at", "-id")[:limit]
    )
