from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status
from rest_framework.response import Response as ApiResponse
from rest_framework.views import APIView

from accounts.api import BusinessScopedViewSet
from accounts.models import Location
from cxplatform.errors import (
    ApplicationError,
    error_body,
    too_large_response,
    too_many_response,
)
from cxplatform.http import body_too_large

from .answers import CONTACT_FIELD
from .antiabuse import rate_limited
from .models import Response, Survey
from .selectors import responses_for_business, surveys_for_business, unscoped_survey_for_public
from .serializers import (
    PublicSurveySerializer,
    ResponseSerializer,
    ResponseSubmitSerializer,
    SubmittedSerializer,
    SurveySerializer,
)
from .services import response_submit

ERROR_SCHEMA = OpenApiResponse(description='{"detail": "...", "errors": {"<field>": ["..."]}}')


class PublicSurveyView(APIView):
    """A survey's questions, for widgets and integrations. No authentication."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: PublicSurveySerializer, 404: ERROR_SCHEMA})
    def get(self, request, survey_uuid):
        survey = unscoped_survey_for_public(survey_uuid=survey_uuid)
        survey = Survey.objects.prefetch_related("questions__show_if_question").get(pk=survey.pk)
        return ApiResponse(PublicSurveySerializer(survey).data)


class PublicResponseCreateView(APIView):
    """Submit one customer's answers. No authentication; one transaction."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request=ResponseSubmitSerializer,
        responses={
            201: SubmittedSerializer,
            400: ERROR_SCHEMA,
            404: ERROR_SCHEMA,
            409: ERROR_SCHEMA,
            410: ERROR_SCHEMA,
            413: ERROR_SCHEMA,
            429: ERROR_SCHEMA,
        },
    )
    def post(self, request, survey_uuid):
        limited = rate_limited(request, survey_uuid)
        if limited is not None:
            return too_many_response(limited.retry_after)
        if body_too_large(request):
            return too_large_response()
        survey = unscoped_survey_for_public(survey_uuid=survey_uuid)
        envelope = ResponseSubmitSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        location = self._location(survey, envelope.validated_data.get("location"))
        try:
            response = response_submit(
                survey=survey,
                raw_answers=envelope.validated_data["answers"],
                channel=envelope.validated_data["channel"],
                location=location,
                contact_requested=envelope.validated_data["contact_requested"],
                contact_email=envelope.validated_data["contact_email"],
            )
        except ApplicationError as error:
            errors = {api_field(key): [message] for key, message in error.errors.items()}
            return ApiResponse(error_body(error.message, errors), status=error.status_code)
        return ApiResponse(SubmittedSerializer(response).data, status=status.HTTP_201_CREATED)

    def _location(self, survey: Survey, location_uuid) -> Location | None:
        if location_uuid is None:
            return None
        location = Location.objects.filter(business=survey.business, uuid=location_uuid).first()
        if location is None:
            raise ApplicationError(
                _("Unknown location."),
                errors={"location": [_("This business has no such location.")]},
            )
        return location


def api_field(key: str) -> str:
    """Answer errors are keyed by question uuid; in the API they sit under `answers.`."""
    return key if key == CONTACT_FIELD else f"answers.{key}"


class SurveyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BusinessScopedViewSet):
    model = Survey
    serializer_class = SurveySerializer

    def scoped_queryset(self, business):
        return surveys_for_business(business=business).prefetch_related("questions")


class ResponseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BusinessScopedViewSet):
    model = Response
    serializer_class = ResponseSerializer

    def scoped_queryset(self, business):
        return responses_for_business(business=business)
