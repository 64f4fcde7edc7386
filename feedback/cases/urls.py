from __future__ import annotations

from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("<uuid:case_uuid>/", views.case_detail, name="detail"),
    path("<uuid:case_uuid>/update/", views.case_update_view, name="update"),
    path("<uuid:case_uuid>/notes/", views.case_note_view, name="note"),
]
