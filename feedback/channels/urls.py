from __future__ import annotations

app_name = "channels"

urlpatterns: list = []
