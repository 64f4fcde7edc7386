from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from feedback import api as feedback_api

from . import views
from .apidocs import ApiDocsView

router = SimpleRouter()
router.register("surveys", feedback_api.SurveyViewSet, basename="survey")
router.register("responses", feedback_api.ResponseViewSet, basename="response")

api_v1 = [
    path(
        "public/surveys/<uuid:survey_uuid>/",
        feedback_api.PublicSurveyView.as_view(),
        name="public-survey",
    ),
    path(
        "public/surveys/<uuid:survey_uuid>/responses/",
        feedback_api.PublicResponseCreateView.as_view(),
        name="public-survey-responses",
    ),
    path(
        "public/invitations/<slug:token>/responses/",
        feedback_api.PublicInvitationResponseView.as_view(),
        name="public-invitation-responses",
    ),
    path("", include("accounts.api_urls")),
    path("", include("feedback.builder.api_urls")),
    path("", include("feedback.channels.api_urls")),
    path("", include("feedback.interactions.api_urls")),
    path("", include("feedback.cases.api_urls")),
    path("", include("customers.api_urls")),
    path("", include("privacy.api_urls")),
    path("", include("textanalysis.api_urls")),
    path("", include("journeys.api_urls")),
    path("", include("metrics.api_urls")),
    path("", include("reputation.api_urls")),
    *router.urls,
]

urlpatterns = [
    # First: every public survey submission resolves here, and each pattern tried before
    # it costs the busiest path a little (no other prefix overlaps "api/v1/").
    path("api/v1/", include((api_v1, "api"))),
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("", include("feedback.urls")),
    path("surveys/", include("feedback.builder.urls")),
    path("", include("feedback.channels.urls")),
    path("interactions/", include("feedback.interactions.urls")),
    path("cases/", include("feedback.cases.urls")),
    path("customers/", include("customers.urls")),
    path("customers/", include("privacy.urls")),
    path("insights/", include("textanalysis.urls")),
    path("journeys/", include("journeys.urls")),
    path("", include("metrics.urls")),
    path("reviews/", include("reputation.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

handler400 = "cxplatform.views.error_400"
handler403 = "cxplatform.views.error_403"
handler404 = "cxplatform.views.error_404"
handler500 = "cxplatform.views.error_500"
