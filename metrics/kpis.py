"""The survey KPIs from counts and sums, each with how sure we can be about it.

Pure arithmetic on the roll-up's sums (see journeys.models.TouchpointDay, and the
thresholds for promoters, satisfied and "easy" answers in journeys.rollups): no query here,
so every formula is tested against hand-computed values. A figure that cannot be computed
(no answers) is None, never NaN or infinity; one computed from too few answers says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from journeys.stats import Interval, Sample, Z, difference_interval, mean_interval

# Below this many answers a score's 95% interval is wider than about ±40 NPS points or
# ±25 CSAT points: the page says "too few answers to say" instead of showing a number
# the owner would read as fact.
MIN_ANSWERS = 20

TRUST_SCALE = (1, 7)


@dataclass(frozen=True)
class Change:
    """This period minus the previous one, with its 95% interval. `real` is False when
    the interval includes zero: the difference may be a random wobble."""

    difference: float
    low: float
    high: float

    @property
    def real(self) -> bool:
        return self.low > 0 or self.high < 0

    @property
    def direction(self) -> str:
        if not self.real:
            return "same"
        return "up" if self.difference > 0 else "down"


def _clip(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


# --- NPS ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Nps:
    """Net Promoter Score (Reichheld 2003): % promoters (9-10) - % detractors (0-6).

    Its 95% interval is the adjusted Wald interval of Rocks (2016, "Interval estimation
    for the 'net promoter score'", The American Statistician 70(4); MeasuringU): add 3 to
    n and 3/4 to promoters and to detractors, then
        p+ = (P + 3/4) / (n + 3),  p- = (D + 3/4) / (n + 3),  d = p+ - p-
        var = (p+ + p- - d²) / (n + 3),  interval = d ± z·sqrt(var)   (in points: x 100, clipped).
    The score shown is the plain one; the adjustment only places the interval, which is
    what keeps it honest for the small n of a small business.
    """

    n: int
    promoters: int
    detractors: int

    @property
    def passives(self) -> int:
        return self.n - self.promoters - self.detractors

    @property
    def score(self) -> float | None:
        if not self.n:
            return None
        return 100 * (self.promoters - self.detractors) / self.n

    @property
    def enough(self) -> bool:
        return self.n >= MIN_ANSWERS

    def share(self, count: int) -> float | None:
        return 100 * count / self.n if self.n else None

    def _adjusted(self) -> tuple[float, float]:
        """The adjusted difference d and its variance (see the class docstring)."""
        n = self.n + 3
        promoting = (self.promoters + 0.75) / n
        detracting = (self.detractors + 0.75) / n
        difference = promoting - detracting
        return difference, (promoting + detracting - difference**2) / n

    @property
    def interval(self) -> Interval | None:
        if not self.n:
            return None
        difference, variance = self._adjusted()
        margin = Z * math.sqrt(variance)
        return Interval(
            self.score,
            _clip(100 * (difference - margin), -100, 100),
            _clip(100 * (difference + margin), -100, 100),
        )

    def change_since(self, before: Nps) -> Change | None:
        """The change from `before`, tested with the adjusted Wald interval of the
        difference of two independent NPS (Rocks 2016, section 4): var = var1 + var2."""
        if not (self.enough and before.enough):
            return None
        now, now_variance = self._adjusted()
        then, then_variance = before._adjusted()
        margin = Z * math.sqrt(now_variance + then_variance)
        difference = now - then
        return Change(
            100 * (self.promoters / self.n - before.promoters / before.n)
            - 100 * (self.detractors / self.n - before.detractors / before.n),
            _clip(100 * (difference - margin), -200, 200),
            _clip(100 * (difference + margin), -200, 200),
        )


# --- Shares: CSAT and the CES "easy" share -------------------------------------------------


@dataclass(frozen=True)
class Share:
    """A proportion in percent with its adjusted Wald (Agresti-Coull 1998) interval:
    add z²/2 successes and z²/2 failures, then the Wald interval; honest at small n and
    at 0% or 100%, where the plain Wald interval collapses to a point."""

    n: int
    hits: int

    @property
    def percent(self) -> float | None:
        return 100 * self.hits / self.n if self.n else None

    @property
    def enough(self) -> bool:
        return self.n >= MIN_ANSWERS

    def _adjusted(self) -> tuple[float, float]:
        n = self.n + Z * Z
        p = (self.hits + Z * Z / 2) / n
        return p, p * (1 - p) / n

    @property
    def interval(self) -> Interval | None:
        if not self.n:
            return None
        p, variance = self._adjusted()
        margin = Z * math.sqrt(variance)
        return Interval(self.percent, 100 * max(0.0, p - margin), 100 * min(1.0, p + margin))

    def change_since(self, before: Share) -> Change | None:
        """Difference of two proportions, Agresti-Caffo (2000) interval: one success and
        one failure added to each side."""
        if not (self.enough and before.enough):
            return None
        now = (self.hits + 1) / (self.n + 2)
        then = (before.hits + 1) / (before.n + 2)
        margin = Z * math.sqrt(now * (1 - now) / (self.n + 2) + then * (1 - then) / (before.n + 2))
        difference = now - then
        return Change(
            self.percent - before.percent,
            _clip(100 * (difference - margin), -100, 100),
            _clip(100 * (difference + margin), -100, 100),
        )


@dataclass(frozen=True)
class Csat:
    """Customer satisfaction: the share of 4-5 answers on the 1-5 scale, and the mean."""

    share: Share
    total: int

    @property
    def mean(self) -> float | None:
        return self.total / self.share.n if self.share.n else None


# --- Means: CES and the trust pillars ----------------------------------------------------


@dataclass(frozen=True)
class Ces:
    """Customer effort score on the 1-7 agreement scale ("… made it easy for me to …"):
    the mean, with its Student-t interval, and the share who agree (5-7)."""

    sample: Sample
    easy: Share

    @property
    def mean(self) -> float | None:
        return self.sample.mean

    @property
    def interval(self) -> Interval | None:
        return mean_interval(self.sample, bounds=(1.0, 7.0), minimum=MIN_ANSWERS)

    def change_since(self, before: Ces) -> Change | None:
        interval = difference_interval(self.sample, before.sample, minimum=MIN_ANSWERS)
        return Change(interval.estimate, interval.low, interval.high) if interval else None


def agreement_to_100(mean: float, scale: tuple[int, int] = TRUST_SCALE) -> float:
    """A mean on a 1-7 agreement scale as 0-100: 1 (strongly disagree) is 0, 7 is 100."""
    low, high = scale
    return 100 * (mean - low) / (high - low)


@dataclass(frozen=True)
class Pillar:
    """One pillar of trust (reliability, integrity, competence, benevolence): the mean
    agreement with its items, on 0-100."""

    key: str
    label: str
    n: int
    total: int

    @property
    def score(self) -> float | None:
        return agreement_to_100(self.total / self.n) if self.n else None


@dataclass(frozen=True)
class TrustIndex:
    """The four pillars of customer trust and their mean (the trust index), 0-100.

    The pillars follow Mayer, Davis & Schoorman (1995, ability, benevolence, integrity)
    with reliability added as in the service-quality literature (Parasuraman et al.
    1988). The index is the plain mean of the pillars that have answers, so a pillar with
    many items does not outweigh the others; it is None until every pillar has one.
    """

    pillars: tuple[Pillar, ...]

    @property
    def answered(self) -> bool:
        return all(pillar.n for pillar in self.pillars)

    @property
    def n(self) -> int:
        return min((pillar.n for pillar in self.pillars), default=0)

    @property
    def score(self) -> float | None:
        if not self.pillars or not self.answered:
            return None
        return sum(pillar.score for pillar in self.pillars) / len(self.pillars)

    @property
    def weakest(self) -> Pillar | None:
        """The pillar to work on, when there is a clear one: None when fewer than two
        pillars have answers or when the lowest score is shared."""
        scored = sorted((pillar for pillar in self.pillars if pillar.n), key=lambda p: p.score)
        if len(scored) < 2 or math.isclose(scored[0].score, scored[1].score):
            return None
        return scored[0]


# --- Sentiment -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SentimentMix:
    """Scored texts by label, and the mean compound score (VADER, -1..1)."""

    positive: int
    negative: int
    sample: Sample

    @property
    def n(self) -> int:
        return self.sample.n

    @property
    def neutral(self) -> int:
        return self.n - self.positive - self.negative

    def share(self, count: int) -> float | None:
        return 100 * count / self.n if self.n else None

    @property
    def mean(self) -> float | None:
        return self.sample.mean

    def change_since(self, before: SentimentMix) -> Change | None:
        interval = difference_interval(self.sample, before.sample)
        return Change(interval.estimate, interval.low, interval.high) if interval else None
