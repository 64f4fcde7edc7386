"""Reads: the journey and its map (how customers feel at each stage and touchpoint)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from django.db import connection
from django.db.models import CharField, F, IntegerField, Prefetch, QuerySet, Value

from accounts.models import Business
from cxplatform.snapshot import one_snapshot
from feedback.models import Answer, Interaction, Survey
from textanalysis.selectors import aspect_names, explanation_aspects, explanation_words

from .models import Journey, Stage, Touchpoint
from .rollups import (
    SCORED_LABELS,
    Filters,
    Sums,
    coverage_of,
    period_sums,
    scoped,
)
from .stats import Interval, Sample, difference_interval, mean_interval

# How many of a touchpoint's latest comments its words, aspects and quotes come from.
SAMPLE_SIZE = 150
# A word moves the score this much (VADER valence, about -4..4) to count as a mood word.
MOOD_VALENCE = 1.0
TOP = 5


def journey_for(*, business: Business) -> Journey | None:
    return (
        Journey.objects.filter(business=business)
        .prefetch_related(
            Prefetch("stages", queryset=Stage.objects.order_by("position", "id")),
            Prefetch("stages__touchpoints", queryset=Touchpoint.objects.order_by("position", "id")),
        )
        .first()
    )


# --- The map ---------------------------------------------------------------------------


@dataclass
class Said:
    """One comment of the sample: what a customer wrote (or staff noted) and its score."""

    text: str
    score: float
    explanation: dict
    kind: str  # "survey" or "interaction"
    created_at: object

    @cached_property
    def moods(self) -> dict[str, str]:
        """The words that moved the score, lower case, each once: word -> side. Parsed
        once, though the comment counts for its touchpoint and for its stage."""
        seen: dict[str, str] = {}
        for word in explanation_words(self.text, self.explanation):
            if abs(word.valence) >= MOOD_VALENCE:
                text = self.text[word.start : word.end].lower()
                seen[text] = "positive" if word.valence > 0 else "negative"
        return seen

    @cached_property
    def aspect_scores(self) -> dict[str, float]:
        return explanation_aspects(self.explanation)


@dataclass
class Heard:
    """What a place on the journey heard in the period, and how sure we are."""

    sums: Sums
    previous: Sums
    rest: Sample  # every other placed voice of the journey, to compare with
    said: list[Said] = field(default_factory=list)
    aspect_names: dict[str, str] = field(default_factory=dict)

    @property
    def voices(self) -> int:
        return self.sums.voices

    @property
    def sample(self) -> Sample:
        return _sample(self.sums)

    @property
    def sentiment(self) -> float | None:
        return self.sample.mean

    @property
    def interval(self) -> Interval | None:
        return mean_interval(self.sample)

    @property
    def against_rest(self) -> Interval | None:
        return difference_interval(self.sample, self.rest)

    @property
    def verdict(self) -> str:
        """ "pain", "bright" (clearly above the rest), "usual" or "too_few"."""
        difference = self.against_rest
        if difference is None:
            return "too_few"
        if difference.high < 0:
            return "pain"
        return "bright" if difference.low > 0 else "usual"

    @property
    def previous_sentiment(self) -> float | None:
        return _sample(self.previous).mean

    @property
    def change(self) -> Interval | None:
        return difference_interval(self.sample, _sample(self.previous))

    @property
    def change_verdict(self) -> str:
        """ "better", "worse", "steady" or "too_few" compared with the previous period."""
        change = self.change
        if change is None:
            return "too_few"
        if not change.excludes_zero:
            return "steady"
        return "better" if change.estimate > 0 else "worse"

    @property
    def negative_share(self) -> float | None:
        return self.sums.negative_n / self.sums.sentiment_n if self.sums.sentiment_n else None

    @property
    def csat(self) -> float | None:
        """Share of satisfied answers (4-5 of 1-5), 0..1."""
        return self.sums.csat_satisfied / self.sums.csat_n if self.sums.csat_n else None

    @property
    def ces(self) -> float | None:
        """Mean effort agreement, 1-7 (higher is easier)."""
        return self.sums.ces_sum / self.sums.ces_n if self.sums.ces_n else None

    @cached_property
    def mood_words(self) -> dict[str, list[tuple[str, int]]]:
        return mood_words(self.said)

    @cached_property
    def aspects(self) -> dict[str, list[AspectHeard]]:
        return aspects_heard(self.said, self.aspect_names)

    @cached_property
    def quotes(self) -> list[Said]:
        return representative_quotes(self.said, self.sentiment)

    @property
    def sample_is_partial(self) -> bool:
        return len(self.said) < self.sums.sentiment_n


@dataclass
class TouchpointOnMap:
    touchpoint: Touchpoint
    heard: Heard

    @property
    def label(self) -> str:
        return f"{self.touchpoint.stage.name}: {self.touchpoint.name}"


@dataclass
class StageOnMap:
    stage: Stage
    heard: Heard
    touchpoints: list[TouchpointOnMap]

    @property
    def label(self) -> str:
        return self.stage.name


@dataclass
class JourneyMap:
    journey: Journey
    first: date
    last: date
    filters: Filters
    stages: list[StageOnMap]
    overall: Heard
    unplaced_voices: int

    @property
    def previous_period(self) -> tuple[date, date]:
        return previous_period(self.first, self.last)

    @property
    def pain_points(self) -> list[TouchpointOnMap | StageOnMap]:
        """Stages and touchpoints clearly below the rest, the worst first."""
        found = [
            place
            for stage in self.stages
            for place in (stage, *stage.touchpoints)
            if place.heard.verdict == "pain"
        ]
        return sorted(found, key=lambda place: place.heard.against_rest.estimate)

    @property
    def has_voices(self) -> bool:
        return self.overall.voices > 0


def previous_period(first: date, last: date) -> tuple[date, date]:
    """The period of the same length just before first..last."""
    length = (last - first).days + 1
    return first - timedelta(days=length), first - timedelta(days=1)


@one_snapshot()  # coverage, roll-up and raw rows as of one moment
def journey_map(
    *, business: Business, journey: Journey, first: date, last: date, filters: Filters
) -> JourneyMap:
    """The map of first..last (inclusive, the business's days) for the filtered voices.

    Figures come from the roll-up and today's raw rows (see rollups.py): one grouped
    query per period. Words, aspects and quotes come from each touchpoint's latest
    SAMPLE_SIZE comments, read for every touchpoint that has voices in one query.
    """
    coverage = coverage_of(business)  # once: both periods read the same build
    now = _by_touchpoint(
        period_sums(business, first, last, filters, by=("touchpoint",), coverage=coverage)
    )
    earlier = previous_period(first, last)
    before = _by_touchpoint(
        period_sums(business, *earlier, filters, by=("touchpoint",), coverage=coverage)
    )
    stages = [stage for stage in journey.stages.all()]
    placed = {tp.pk for stage in stages for tp in stage.touchpoints.all()}
    total = _sum(sums for pk, sums in now.items() if pk in placed)
    total_before = _sum(sums for pk, sums in before.items() if pk in placed)
    heard_ids = [pk for pk in placed if now.get(pk, Sums()).voices]
    said = comments_sample(business, first, last, filters, touchpoint_ids=heard_ids)
    names = _aspect_names(business)

    def heard(sums: Sums, previous: Sums, comments: list[Said]) -> Heard:
        rest = _sample(total) - _sample(sums)
        return Heard(sums, previous, rest, comments, names)

    on_map = []
    for stage in stages:
        points = []
        for tp in stage.touchpoints.all():
            sums = now.get(tp.pk, Sums())
            if tp.archived_at is not None and not sums.voices:
                continue  # an archived touchpoint shows only while it has voices
            points.append(
                TouchpointOnMap(tp, heard(sums, before.get(tp.pk, Sums()), said.get(tp.pk, [])))
            )
        stage_sums = _sum(point.heard.sums for point in points)
        if stage.archived_at is not None and not stage_sums.voices:
            continue
        stage_before = _sum(before.get(point.touchpoint.pk, Sums()) for point in points)
        stage_said = [comment for point in points for comment in point.heard.said]
        on_map.append(StageOnMap(stage, heard(stage_sums, stage_before, stage_said), points))
    overall = Heard(total, total_before, Sample(), [], names)
    unplaced = sum(sums.voices for pk, sums in now.items() if pk not in placed)
    return JourneyMap(journey, first, last, filters, on_map, overall, unplaced)


def _by_touchpoint(cells: dict[tuple, Sums]) -> dict[int | None, Sums]:
    return {key[0]: sums for key, sums in cells.items()}


def _sum(many) -> Sums:
    total = Sums()
    for sums in many:
        total.add(vars(sums))
    return total


def _sample(sums: Sums) -> Sample:
    return Sample(sums.sentiment_n, sums.sentiment_sum, sums.sentiment_squares)


def _aspect_names(business: Business) -> dict[str, str]:
    return aspect_names(business_id=business.pk)


# --- What customers said --------------------------------------------------------------


def comments_sample(
    business: Business, first: date, last: date, filters: Filters, *, touchpoint_ids: list[int]
) -> dict[int, list[Said]]:
    """Each touchpoint's latest scored comments (survey answers and staff notes), for
    every touchpoint in one round trip: the latest SAMPLE_SIZE answers of each survey
    and the latest SAMPLE_SIZE notes of each touchpoint, each part walking an index
    newest first, then merged here."""
    surveys: dict[int, list[int]] = {}
    for touchpoint_id, survey_id in Survey.objects.filter(
        business=business, touchpoint_id__in=touchpoint_ids
    ).values_list("touchpoint_id", "id"):
        surveys.setdefault(touchpoint_id, []).append(survey_id)
    # The period and filters once per kind; each part adds its survey or touchpoint and
    # walks that survey's responses (or touchpoint's notes) newest first.
    answers_scoped = scoped(
        Answer.objects.all(), business, first, last, filters, via="response__", walk=True
    )
    answers_scoped = answers_scoped.filter(sentiment_label__in=SCORED_LABELS)
    notes_scoped = scoped(
        Interaction.objects.all(), business, first, last, filters, via="", walk=True
    )
    notes_scoped = notes_scoped.filter(sentiment_label__in=SCORED_LABELS)
    parts = [
        _said_columns(
            answers_scoped.filter(response__survey_id=survey_id),
            touchpoint_id, "survey", "text", "response__created_at",
        )  # one survey a part: its (survey, created_at) index gives the newest first
        for touchpoint_id in touchpoint_ids
        for survey_id in surveys.get(touchpoint_id, ())
    ]  # fmt: skip
    parts += [
        _said_columns(notes_scoped.filter(touchpoint_id=touchpoint_id),
                      touchpoint_id, "interaction", "note", "created_at")
        for touchpoint_id in touchpoint_ids
    ]  # fmt: skip
    answers: dict[int, list[tuple]] = {pk: [] for pk in touchpoint_ids}
    notes: dict[int, list[Said]] = {pk: [] for pk in touchpoint_ids}
    for touchpoint_id, kind, text, score, explanation, at, order_at in _union_all(parts):
        said = Said(text, score, explanation, kind, at)
        if kind == "survey":
            answers[touchpoint_id].append((order_at, said))
        else:
            notes[touchpoint_id].append(said)
    return {pk: _latest(answers[pk], notes[pk]) for pk in touchpoint_ids}


def _latest(answers: list[tuple], notes: list[Said]) -> list[Said]:
    """The latest SAMPLE_SIZE of a touchpoint's answers (by their response's time, over
    all its surveys) and of its notes, merged: the newest SAMPLE_SIZE of both."""
    answers.sort(key=lambda pair: pair[0], reverse=True)
    comments = [said for _, said in answers[:SAMPLE_SIZE]] + notes
    comments.sort(key=lambda said: said.created_at, reverse=True)
    return comments[:SAMPLE_SIZE]


SAID_COLUMNS = ("at_touchpoint", "kind", "said", "sentiment_score", "sentiment_explanation",
                "created_at", "order_at")  # fmt: skip


def _said_columns(
    queryset: QuerySet, touchpoint_id: int, kind: str, text: str, order_at: str
) -> QuerySet:
    """The latest SAMPLE_SIZE rows as SAID_COLUMNS, alike for answers and notes."""
    queryset = queryset.annotate(
        at_touchpoint=Value(touchpoint_id, output_field=IntegerField()),
        kind=Value(kind, output_field=CharField()),
        said=F(text),
        order_at=F(order_at),
    )
    return queryset.order_by(f"-{order_at}").values_list(*SAID_COLUMNS)[:SAMPLE_SIZE]


def _union_all(parts: list[QuerySet]) -> list[tuple]:
    """The rows of every part, in one query where the database allows a LIMIT in each
    part of a UNION (PostgreSQL); else (SQLite, the demo) one query per part."""
    if not parts:
        return []
    if connection.features.supports_slicing_ordering_in_compound:
        return list(parts[0].union(*parts[1:], all=True))
    return [row for part in parts for row in part]


def mood_words(said: list[Said]) -> dict[str, list[tuple[str, int]]]:
    """The customers' own words that moved the score most often, each counted once per
    comment: {"negative": [(word, comments)], "positive": [...]}."""
    counts: dict[str, Counter] = {"negative": Counter(), "positive": Counter()}
    for comment in said:
        for text, side in comment.moods.items():
            counts[side][text] += 1
    return {side: counter.most_common(TOP) for side, counter in counts.items()}


@dataclass(frozen=True)
class AspectHeard:
    key: str
    name: str
    mentions: int
    negative: int
    positive: int
    mean: float


def aspects_heard(said: list[Said], names: dict[str, str]) -> dict[str, list[AspectHeard]]:
    """The aspects complained about most and praised most in the comments."""
    scores: dict[str, list[float]] = {}
    for comment in said:
        for key, score in comment.aspect_scores.items():
            scores.setdefault(key, []).append(score)
    heard = [
        AspectHeard(
            key,
            names.get(key, key.replace("_", " ")),
            len(values),
            sum(1 for v in values if v <= -0.05),
            sum(1 for v in values if v >= 0.05),
            sum(values) / len(values),
        )
        for key, values in scores.items()
    ]
    complaints = sorted((a for a in heard if a.negative), key=lambda a: (-a.negative, a.mean))
    praise = sorted((a for a in heard if a.positive), key=lambda a: (-a.positive, -a.mean))
    return {"complaints": complaints[:TOP], "praise": praise[:TOP]}


def representative_quotes(said: list[Said], mean: float | None) -> list[Said]:
    """Up to three comments: the most negative, the most typical (closest to the mean)
    and the most positive, so a reader sees the range, not only the extremes. Comments
    whose words were erased (privacy) keep their score but have nothing to quote."""
    said = [comment for comment in said if comment.text]
    if not said:
        return []
    picks = [min(said, key=lambda c: c.score)]
    if mean is not None:
        picks.append(min(said, key=lambda c: abs(c.score - mean)))
    picks.append(max(said, key=lambda c: c.score))
    unique: list[Said] = []
    for pick in picks:
        if all(pick is not other for other in unique):
            unique.append(pick)
    return sorted(unique, key=lambda c: c.score)
