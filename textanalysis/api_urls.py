"""Routes of this area under /api/v1/."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import (
    AlertViewSet,
    AspectViewSet,
    InsightSettingsView,
    RescoreViewSet,
    WebhookSecretRotateView,
)

router = SimpleRouter()
router.register("alerts", AlertViewSet, basename="alert")
router.register("aspects", AspectViewSet, basename="aspect")
router.register("rescores", RescoreViewSet, basename="rescore")

urlpatterns = [
    path("insight-settings/", InsightSettingsView.as_view(), name="insight-settings"),
    path(
        "insight-settings/webhook-secret/",
        WebhookSecretRotateView.as_view(),
        name="insight-settings-webhook-secret",
    ),
    *router.urls,
]
