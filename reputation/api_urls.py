from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("", include("reputation.inbox.api_urls")),
    path("", include("reputation.sources.api_urls")),
]
