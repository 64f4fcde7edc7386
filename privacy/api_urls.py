"""Routes of this app under /api/v1/."""

from __future__ import annotations

from django.urls import path

from .api import CustomerEraseView, CustomerExportView

urlpatterns = [
    path(
        "customers/<uuid:customer_uuid>/export/",
        CustomerExportView.as_view(),
        name="customer-export",
    ),
    path(
        "customers/<uuid:customer_uuid>/erase/",
        CustomerEraseView.as_view(),
        name="customer-erase",
    ),
]
