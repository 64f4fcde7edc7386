"""Routes of this area under /api/v1/."""

from __future__ import annotations

urlpatterns: list = []
