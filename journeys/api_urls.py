"""Routes of this area under /api/v1/."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import JourneyView, StageViewSet, TouchpointViewSet
from .api_map import JourneyMapView

router = SimpleRouter()
router.register("journey/stages", StageViewSet, basename="journey-stage")
router.register("journey/touchpoints", TouchpointViewSet, basename="journey-touchpoint")

urlpatterns = [
    path("journey/map/", JourneyMapView.as_view(), name="journey-map"),
    # The journey's structure (api.py).
    path("journey/", JourneyView.as_view(), name="journey"),
    *router.urls,
]
