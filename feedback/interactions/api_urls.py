"""Routes of this area under /api/v1/."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from .api import InteractionViewSet

router = SimpleRouter()
router.register("interactions", InteractionViewSet, basename="interaction")

urlpatterns = router.urls
