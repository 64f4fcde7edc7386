"""KPIs computed by the database: one aggregate query each, never rows loaded into Python."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from accounts.models import Business
from feedback.models import Answer, QuestionKind, Response

PROMOTER_FROM = 9
DETRACTOR_UP_TO = 6


@dataclass(frozen=True)
class NpsSummary:
    """Net Promoter Score (Reichheld, 2003): % promoters (9-10) minus % detractors (0-6)."""

    answers: int
    promoters: int
    passives: int
    detractors: int

    @property
    def score(self) -> int | None:
        if not self.answers:
            return None
        return round(100 * (self.promoters - self.detractors) / self.answers)

    def share(self, count: int) -> int:
        return round(100 * count / self.answers) if self.answers else 0


def nps_summary(*, business: Business) -> NpsSummary:
    totals = Answer.objects.filter(
        business=business, question__kind=QuestionKind.NPS, number__isnull=False
    ).aggregate(
        answers=Count("id"),
        promoters=Count("id", filter=Q(number__gte=PROMOTER_FROM)),
        detractors=Count("id", filter=Q(number__lte=DETRACTOR_UP_TO)),
    )
    passives = totals["answers"] - totals["promoters"] - totals["detractors"]
    return NpsSummary(passives=passives, **totals)


def response_count(*, business: Business) -> int:
    return Response.objects.filter(business=business).count()


def sentiment_breakdown(*, business: Business) -> dict[str, int]:
    """How many scored comments are positive, neutral and negative, and how many wait."""
    comments = Answer.objects.filter(business=business).exclude(text="")
    return comments.aggregate(
        positive=Count("id", filter=Q(sentiment_label="positive")),
        neutral=Count("id", filter=Q(sentiment_label="neutral")),
        negative=Count("id", filter=Q(sentiment_label="negative")),
        pending=Count("id", filter=Q(scored_at=None)),
    )


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
