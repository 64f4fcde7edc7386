from __future__ import annotations

from django.urls import path

from . import views

app_name = "textanalysis"

urlpatterns = [
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<uuid:alert_uuid>/", views.alert_detail, name="alert"),
]
