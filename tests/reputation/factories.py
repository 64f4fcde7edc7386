"""Review sources and reviews made directly, for tests that do not poll a site."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from reputation.models import Provider, Review, ReviewSource
from textanalysis.selectors import aspects_for_business


class ReviewSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewSource

    provider = Provider.GOOGLE
    name = factory.Sequence(lambda n: f"Google profile {n}")
    external_id = "accounts/1/locations/2"


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    source = factory.SubFactory(ReviewSourceFactory, business=factory.SelfAttribute("..business"))
    external_id = factory.Sequence(lambda n: f"review-{n}")
    author_name = "Jane S."
    rating = 4
    text = "Lovely flat white, friendly barista."
    created_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))


def scored(review: Review, label: str, score: float, aspects: dict | None = None) -> Review:
    """Mark a review as analysed, as the text pipeline would (which also gives the
    business its industry's aspects)."""
    aspects_for_business(business=review.business)
    review.sentiment_label = label
    review.sentiment_score = score
    review.sentiment_explanation = {"words": [], "aspects": aspects or {}, "reason": ""}
    review.scored_at = timezone.now()
    review.save()
    return review
