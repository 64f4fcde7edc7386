from __future__ import annotations

from django.urls import path

from . import google_views, views

# Included by reputation/urls.py at sources/ under the "reputation" namespace.
urlpatterns = [
    path("", views.source_list, name="sources"),
    path("connect/", views.source_connect, name="source_connect"),
    path("connect/<str:provider>/", views.source_connect_provider, name="source_connect_provider"),
    path("google/start/", google_views.google_start, name="source_google_start"),
    path("google/callback/", google_views.google_callback, name="source_google_callback"),
    path("google/finish/", google_views.google_finish, name="source_google_finish"),
    path("add-review/", views.review_add, name="review_add"),
    path("import/", views.reviews_import, name="reviews_import"),
    path("<uuid:source_uuid>/", views.source_detail, name="source_detail"),
    path("<uuid:source_uuid>/edit/", views.source_edit, name="source_edit"),
    path("<uuid:source_uuid>/archive/", views.source_archive_view, name="source_archive"),
    path("<uuid:source_uuid>/poll/", views.source_poll, name="source_poll"),
]
