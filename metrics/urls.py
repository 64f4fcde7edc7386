from __future__ import annotations

from django.urls import path

from . import views

app_name = "metrics"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/kpis.csv", views.dashboard_csv, name="dashboard-csv"),
]
