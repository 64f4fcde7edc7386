from __future__ import annotations

from django.urls import include, path

app_name = "reputation"

urlpatterns = [
    path("", include("reputation.inbox.urls")),
    path("sources/", include("reputation.sources.urls")),
    path("", include("reputation.request_urls")),
]
