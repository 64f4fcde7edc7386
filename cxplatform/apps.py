from __future__ import annotations

from django.apps import AppConfig


class CxPlatformConfig(AppConfig):
    """The project itself: onboarding across apps, the demo seeder, health and errors."""

    name = "cxplatform"
    verbose_name = "CX platform"
