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
    path("why/answers/<uuid:answer_uuid>/", views.why_answer, name="why_answer"),
    path(
        "why/interactions/<uuid:interaction_uuid>/", views.why_interaction, name="why_interaction"
    ),
    path("why/reviews/<uuid:review_uuid>/", views.why_review, name="why_review"),
    path("settings/", views.insight_settings, name="settings"),
    path("settings/aspects/", views.aspect_add, name="aspect_add"),
    path("settings/aspects/<uuid:aspect_uuid>/", views.aspect_edit, name="aspect_edit"),
    path(
        "settings/aspects/<uuid:aspect_uuid>/delete/",
        views.aspect_delete_view,
        name="aspect_delete",
    ),
    path("settings/rescore/", views.rescore_view, name="rescore"),
    path(
        "settings/webhook-secret/",
        views.webhook_secret_rotate_view,
        name="webhook_secret_rotate",
    ),
]
