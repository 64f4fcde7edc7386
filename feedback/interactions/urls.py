from __future__ import annotations

from django.urls import path

from . import views

app_name = "interactions"

urlpatterns = [
    path("", views.interaction_list, name="list"),
    path("new/", views.interaction_new, name="new"),
    path("customers.json", views.customer_search, name="customer_search"),
    path("<uuid:interaction_uuid>/", views.interaction_detail, name="detail"),
]
