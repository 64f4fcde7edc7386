"""Opening and working follow-up cases (closing the loop).

Filled in by the cases work: until then negative scores open nothing.
"""

from __future__ import annotations


def cases_open_for_negative_answers(*, ids: list[int]) -> None:
    """Open a case for each answer among `ids` whose comment scored negative."""


def cases_open_for_negative_interactions(*, ids: list[int]) -> None:
    """Open a case for each interaction among `ids` whose note scored negative."""
