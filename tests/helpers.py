from __future__ import annotations

from feedback.models import Survey
from feedback.services import response_submit


def answer(survey: Survey, score: int, comment: str = "", **options):
    """Submit one response to a default NPS survey through the real service."""
    nps, reason = survey.questions.order_by("position")
    raw = {str(nps.uuid): score}
    if comment:
        raw[str(reason.uuid)] = comment
    return response_submit(survey=survey, raw_answers=raw, **options)
