"""When demo things happened: two years back, busier lately, within café opening hours."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate

HISTORY_DAYS = 730
# Opening hours in UTC (London is UTC or an hour ahead): the breakfast and lunch rushes.
HOURS = tuple(range(6, 19))
HOUR_CUM_WEIGHTS = tuple(accumulate((3, 9, 10, 7, 5, 8, 9, 6, 4, 4, 5, 3, 1)))
# A share of customers comes from the old till system, on the first day of the history.
IMPORTED_SHARE = 0.3


@dataclass(frozen=True)
class Clock:
    now: datetime

    @property
    def midnight(self) -> datetime:
        return self.now.replace(hour=0, minute=0, second=0, microsecond=0)

    def age_in_days(self, rng: random.Random) -> int:
        """Days ago: uniform over two years, plus a share leaning to the present."""
        fraction = rng.random() if rng.random() < 0.6 else min(rng.random(), rng.random())
        return int(fraction * HISTORY_DAYS)

    def age_after_joining(self, rng: random.Random, joined_age: int) -> int:
        """Days ago for something a customer did: a later day than the one they joined."""
        age = self.age_in_days(rng)
        return age if age < joined_age else rng.randrange(joined_age)

    def joined_age(self, rng: random.Random) -> int:
        if rng.random() < IMPORTED_SHARE:
            return HISTORY_DAYS - 1
        # At least yesterday, so every customer has a day to buy on after joining.
        return max(1, self.age_in_days(rng))

    def moment(self, rng: random.Random, age: int) -> datetime:
        """A moment in opening hours `age` days ago; never in the future."""
        hour = rng.choices(HOURS, cum_weights=HOUR_CUM_WEIGHTS)[0]
        offset = timedelta(days=age, seconds=-hour * 3600 - rng.randrange(3600))
        moment = self.midnight - offset
        return moment - timedelta(days=1) if moment > self.now else moment
