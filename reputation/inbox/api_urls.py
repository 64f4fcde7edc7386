"""Routes of the review inbox under /api/v1/."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from .api import ReviewViewSet

router = SimpleRouter()
router.register("reviews", ReviewViewSet, basename="review")

urlpatterns = router.urls
