from __future__ import annotations

from django.urls import path

from . import views

# Included by reputation/urls.py under the "reputation" namespace.
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<uuid:review_uuid>/", views.review_detail, name="review"),
    path("<uuid:review_uuid>/reply/", views.review_reply, name="reply"),
]
