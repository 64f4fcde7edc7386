from __future__ import annotations

from django.apps import AppConfig


class TextanalysisConfig(AppConfig):
    name = "textanalysis"
