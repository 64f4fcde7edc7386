from __future__ import annotations

from django.urls import path

from . import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_new, name="new"),
    path("import/", views.import_new, name="import_new"),
    path("imports/<uuid:import_uuid>/", views.import_detail, name="import"),
    path("<uuid:customer_uuid>/", views.customer_detail, name="detail"),
    path("<uuid:customer_uuid>/edit/", views.customer_edit, name="edit"),
    path("<uuid:customer_uuid>/delete/", views.customer_delete_view, name="delete"),
    path("<uuid:customer_uuid>/purchases/", views.purchase_add, name="purchase_add"),
]
