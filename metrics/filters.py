"""What a KPI is computed over: a period of the business's local days and optional filters.

Every KPI selector takes `(business, filters)`; each applies the filters that make sense
for its rows (a purchase has a location but no survey) and says which it ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from accounts.models import Business, Location
from journeys.rollups import day_bounds
from journeys.selectors import previous_period


@dataclass(frozen=True)
class Period:
    """Local calendar days `first` to `last`, both included."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one (for "change since")."""
        return Period(*previous_period(self.first, self.last))

    def bounds(self, business: Business) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes in the business's time zone."""
        return day_bounds(business, self.first, self.last)


@dataclass(frozen=True)
class KpiFilters:
    period: Period
    location: Location | None = None
    touchpoint: object | None = None  # journeys.models.Touchpoint
    survey: object | None = None  # feedback.models.Survey
    channel: str = ""  # a feedback.models.Channel value
    segment: str = ""  # a journeys.models.Segment value: "new" or "returning"
