from __future__ import annotations

from django.urls import path

from . import request_views as views

# Included by reputation/urls.py under the "reputation" namespace. /reviews/r/<token>
# is the link in the e-mail: short, no sign-in.
urlpatterns = [
    path("requests/", views.request_page, name="requests"),
    path("r/<str:token>", views.request_click, name="request_click"),
    path("r/<str:token>/unsubscribe/", views.request_unsubscribe, name="request_unsubscribe"),
]
