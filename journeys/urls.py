from __future__ import annotations

from django.urls import path

from . import editor, views

app_name = "journeys"

urlpatterns = [
    path("", views.journey_map_page, name="map"),
    path("print/", views.journey_map_print, name="print"),
    # The journey editor (editor.py).
    path("edit/", editor.journey_edit, name="edit"),
    path("edit/stages/", editor.stage_add_view, name="edit_stage_add"),
    path(
        "edit/stages/<uuid:stage_uuid>/rename/",
        editor.stage_rename_view,
        name="edit_stage_rename",
    ),
    path("edit/stages/<uuid:stage_uuid>/move/", editor.stage_move_view, name="edit_stage_move"),
    path(
        "edit/stages/<uuid:stage_uuid>/archive/",
        editor.stage_archive_view,
        name="edit_stage_archive",
    ),
    path(
        "edit/stages/<uuid:stage_uuid>/restore/",
        editor.stage_restore_view,
        name="edit_stage_restore",
    ),
    path(
        "edit/stages/<uuid:stage_uuid>/touchpoints/",
        editor.touchpoint_add_view,
        name="edit_touchpoint_add",
    ),
    path(
        "edit/touchpoints/<uuid:touchpoint_uuid>/",
        editor.touchpoint_edit_view,
        name="edit_touchpoint",
    ),
    path(
        "edit/touchpoints/<uuid:touchpoint_uuid>/move/",
        editor.touchpoint_move_view,
        name="edit_touchpoint_move",
    ),
    path(
        "edit/touchpoints/<uuid:touchpoint_uuid>/archive/",
        editor.touchpoint_archive_view,
        name="edit_touchpoint_archive",
    ),
    path(
        "edit/touchpoints/<uuid:touchpoint_uuid>/restore/",
        editor.touchpoint_restore_view,
        name="edit_touchpoint_restore",
    ),
]
