from __future__ import annotations

from django.urls import path

from accounts.brand_views import business_logo

from . import views

app_name = "feedback"

urlpatterns = [
    path("s/<uuid:survey_uuid>/", views.survey_page, name="survey"),
    path("s/<uuid:survey_uuid>/thanks/", views.survey_thanks, name="survey_thanks"),
    # The business's logo on its survey pages; the version is the image's hash.
    path("s/logo/<uuid:business_uuid>/<slug:version>.<slug:extension>", business_logo, name="logo"),
]
