"""Routes of review sources and review requests under /api/v1/."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from .api import ReviewRequestViewSet, ReviewSourceViewSet

router = SimpleRouter()
router.register("review-sources", ReviewSourceViewSet, basename="review-source")
router.register("review-requests", ReviewRequestViewSet, basename="review-request")

urlpatterns = router.urls
