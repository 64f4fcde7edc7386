from __future__ import annotations

from django.urls import path

from . import request_views as views

# Included by reputation/urls.py under the "reputation" namespace. /reviews/r/<token>
# is the link in the e-mail: short, no sign-in.
urlpatterns = [
    path("requests/", views.request_page, name="requests"),
    # Tokens are secrets.token_urlsafe (the slug alphabet): anything else, a NUL that
    # PostgreSQL refuses in a query included, is a page that does not exist.
    path("r/<slug:token>", views.request_click, name="request_click"),
    path("r/<slug:token>/unsubscribe/", views.request_unsubscribe, name="request_unsubscribe"),
]
