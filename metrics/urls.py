from __future__ import annotations

from django.urls import path

from . import views, views_clv

app_name = "metrics"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/kpis.csv", views.dashboard_csv, name="dashboard-csv"),
    path("dashboard/customer-value/", views_clv.clv_fit_page, name="clv-fit"),
    path("dashboard/customer-value/recalculate/", views_clv.clv_fit_start, name="clv-fit-start"),
    path("dashboard/staff-load/", views.staff_load_page, name="staff-load"),
]
