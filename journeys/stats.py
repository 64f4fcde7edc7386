"""How sure we are about a touchpoint's mood: means, intervals and differences from sums.

The roll-up keeps n, the sum and the sum of squares of sentiment scores (VADER compound,
-1..1), so every figure here is exact for any period without touching a raw row.
Intervals are Student-t intervals (Welch's for differences): with the small samples of a
small business, the normal approximation would claim more certainty than there is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

# Below this many scored voices we say "too few voices to say" rather than guess.
MIN_VOICES = 10
CONFIDENCE = 0.95
Z = NormalDist().inv_cdf(1 - (1 - CONFIDENCE) / 2)


@dataclass(frozen=True)
class Sample:
    """Sentiment scores summed: n, sum and sum of squares."""

    n: int = 0
    total: float = 0.0
    squares: float = 0.0

    def __add__(self, other: Sample) -> Sample:
        return Sample(self.n + other.n, self.total + other.total, self.squares + other.squares)

    def __sub__(self, other: Sample) -> Sample:
        return Sample(self.n - other.n, self.total - other.total, self.squares - other.squares)

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    @property
    def variance(self) -> float | None:
        """The sample variance (n - 1), never negative (float sums can dip below zero)."""
        if self.n < 2:
            return None
        return max(0.0, (self.squares - self.total * self.total / self.n) / (self.n - 1))


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def t_quantile(df: float) -> float:
    """Student's t quantile for CONFIDENCE from the normal one (Cornish-Fisher expansion;
    within 0.005 of the exact value from 5 degrees of freedom up; we use 9 and more)."""
    z = Z
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
    )


def mean_interval(
    sample: Sample, *, bounds: tuple[float, float] = (-1.0, 1.0), minimum: int = MIN_VOICES
) -> Interval | None:
    """The mean with its confidence interval, kept within the scale's `bounds`; None
    with fewer than `minimum` values."""
    if sample.n < max(2, minimum):
        return None
    margin = t_quantile(sample.n - 1) * math.sqrt(sample.variance / sample.n)
    low, high = bounds
    return Interval(sample.mean, max(low, sample.mean - margin), min(high, sample.mean + margin))


def difference_interval(
    first: Sample, second: Sample, *, minimum: int = MIN_VOICES
) -> Interval | None:
    """first's mean minus second's, with Welch's interval; None when either has fewer
    than `minimum` values."""
    if min(first.n, second.n) < max(2, minimum):
        return None
    a, b = first.variance / first.n, second.variance / second.n
    difference = first.mean - second.mean
    if a + b == 0:  # every score identical on both sides: the difference is exact
        return Interval(difference, difference, difference)
    df = (a + b) ** 2 / (a * a / (first.n - 1) + b * b / (second.n - 1))
    margin = t_quantile(df) * math.sqrt(a + b)
    return Interval(difference, difference - margin, difference + margin)
