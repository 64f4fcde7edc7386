from __future__ import annotations

app_name = "builder"

urlpatterns: list = []
