from __future__ import annotations

from django.urls import path

from . import views

app_name = "builder"

urlpatterns = [
    path("", views.survey_list, name="list"),
    path("<uuid:survey_uuid>/", views.survey_edit, name="edit"),
    path("<uuid:survey_uuid>/questions/", views.question_create_view, name="question_add"),
    path("<uuid:survey_uuid>/trust-items/", views.trust_items_view, name="trust_items"),
    path(
        "<uuid:survey_uuid>/questions/<uuid:question_uuid>/",
        views.question_edit_view,
        name="question_edit",
    ),
    path(
        "<uuid:survey_uuid>/questions/<uuid:question_uuid>/delete/",
        views.question_delete_view,
        name="question_delete",
    ),
    path(
        "<uuid:survey_uuid>/questions/<uuid:question_uuid>/move/",
        views.question_move_view,
        name="question_move",
    ),
]
