"""Pages under /customers/<uuid>/ (mounted next to customers.urls)."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("<uuid:customer_uuid>/export/", views.customer_export_view, name="customer_export"),
    path("<uuid:customer_uuid>/erase/", views.customer_erase_view, name="customer_erase"),
]
