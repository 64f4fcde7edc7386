from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api
from .api_care import CareCasesView, StaffLoadView
from .api_clv_jobs import ClvFitJobViewSet
from .api_purchases import ClvView, CohortsView, RetentionView
from .api_reviews import ReviewKpisView

router = SimpleRouter()
router.register("clv-fit-jobs", ClvFitJobViewSet, basename="clv-fit-job")

urlpatterns = [
    path("metrics/kpis/", api.KpiView.as_view(), name="metrics-kpis"),
    path("metrics/kpis/csv/", api.KpiCsvView.as_view(), name="metrics-kpis-csv"),
    path("metrics/cases/", CareCasesView.as_view(), name="metrics-cases"),
    path("metrics/staff-load/", StaffLoadView.as_view(), name="metrics-staff-load"),
    path("metrics/retention/", RetentionView.as_view(), name="metrics-retention"),
    path("metrics/cohorts/", CohortsView.as_view(), name="metrics-cohorts"),
    path("metrics/clv/", ClvView.as_view(), name="metrics-clv"),
    path("metrics/reviews/", ReviewKpisView.as_view(), name="metrics-reviews"),
    *router.urls,
]
