from __future__ import annotations

from django.urls import path

from . import views

app_name = "textanalysis"

urlpatterns = [
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<uuid:alert_uuid>/", views.alert_detail, name="alert"),
    path(
        "alerts/<uuid:alert_uuid>/acknowledge/",
        views.alert_acknowledge_view,
        name="alert_acknowledge",
    ),
    path("settings/", views.insight_settings, name="settings"),
    path("settings/aspects/", views.aspect_add, name="aspect_add"),
    path("settings/aspects/<uuid:aspect_uuid>/", views.aspect_edit, name="aspect_edit"),
    path(
        "settings/aspects/<uuid:aspect_uuid>/delete/",
        views.aspect_delete_view,
        name="aspect_delete",
    ),
    path("settings/rescore/", views.rescore_view, name="rescore"),
]
