from __future__ import annotations

from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("s/<uuid:survey_uuid>/", views.survey_page, name="survey"),
    path("s/<uuid:survey_uuid>/thanks/", views.survey_thanks, name="survey_thanks"),
]
