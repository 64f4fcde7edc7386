from __future__ import annotations

import json

from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import mixins, permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response as ApiResponse
from rest_framework.views import APIView

from accounts.access import ALL_ROLES, MANAGER_ROLES
from accounts.api import BusinessScopedViewSet, acting_user
from accounts.models import Location
from cxplatform.errors import (
    ApplicationError,
    Conflict,
    api_exception_handler,
    error_body,
    too_large_response,
    too_many_response,
)
from cxplatform.http import body_too_large
from cxplatform.parsers import parse_strict_json

from .answers import CONTACT_FIELD
from .antiabuse import rate_limited
from .builder.serializers import QuestionWriteSerializer, SurveyWriteSerializer
from .builder.services import (
    RemovalSeen,
    question_add,
    question_delete,
    question_move,
    question_update,
    survey_create,
    survey_update,
    trust_items_add,
)
from .channels.services import embed_origins_set
from .channels.views import invitation_for_token
from .models import Channel, Question, Response, Survey
from .selectors import (
    public_survey_and_questions,
    responses_for_business,
    surveys_for_business,
    unscoped_survey_for_public,
    with_answers_shown,
)
from .serializers import (
    PublicSurveySerializer,
    QuestionSerializer,
    ResponseSerializer,
    ResponseSubmitSerializer,
    SubmittedSerializer,
    SurveySerializer,
    fast_envelope,
)
from .services import SurveyChanged, response_submit

ERROR_SCHEMA = OpenApiResponse(description='{"detail": "...", "errors": {"<field>": ["..."]}}')
JSON_RENDERER = JSONRenderer()
# Accept headers that DRF's content negotiation would answer with JSON without a second look.
PLAIN_ACCEPT = {None, "*/*", "application/json"}


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
            403: ERROR_SCHEMA,
            404: ERROR_SCHEMA,
            409: ERROR_SCHEMA,
            410: ERROR_SCHEMA,
            413: ERROR_SCHEMA,
            429: ERROR_SCHEMA,
        },
    )
    def post(self, request, survey_uuid):
        return self.submit(request, survey_uuid, self._survey_loader(survey_uuid))

    # Set by dispatch() for the usual submission, whose body submit() parses itself.
    plain = False

    def dispatch(self, request, *args, **kwargs):
        """The usual submission, a JSON POST answered in JSON, goes the short way: the
        same post() and submit(), without DRF's request wrapping and content negotiation
        (as costly as storing the answers). Anything else goes through DRF as any API
        view."""
        if not plain_json_post(request):
            return super().dispatch(request, *args, **kwargs)
        self.args, self.kwargs, self.request, self.headers = args, kwargs, request, {}
        self.plain = True
        try:
            reply = self.post(request, *args, **kwargs)
        except Exception as error:  # as APIView.handle_exception: what the handler answers
            reply = api_exception_handler(error, {"view": self, "request": request})
            if reply is None:
                raise
        # What finalize_response does for the one renderer these views have.
        if isinstance(reply, ApiResponse):
            reply.accepted_renderer, reply.accepted_media_type = JSON_RENDERER, "application/json"
            reply.renderer_context = {"view": self, "request": request, "response": reply}
        reply["Allow"] = ", ".join(self.allowed_methods)
        return reply

    def _survey_loader(self, survey_uuid):
        def load(fresh: bool) -> tuple[Survey, list[Question] | None, None]:
            survey, questions = public_survey_and_questions(survey_uuid=survey_uuid, fresh=fresh)
            return survey, questions, None

        return load

    def submit(self, request, rate_key, load) -> ApiResponse:
        """Checks before parsing (rate, size), then one all-or-nothing submission.

        `load(fresh)` gives the survey, its questions when they come from this process's
        copy (None: read them) and the invitation answered. A copy found out of date when
        the answers are stored is read again and the answers checked again.
        """
        limited = rate_limited(request, rate_key)
        if limited is not None:
            return too_many_response(limited.retry_after)
        if body_too_large(request):
            return too_large_response()
        envelope = None
        for attempt in range(SUBMIT_ATTEMPTS):
            survey, questions, invitation = load(attempt > 0)
            refusal = foreign_origin_refusal(request, survey)
            if refusal is not None:
                return refusal
            envelope = envelope or submission_envelope(self.body(request))
            location = self._location(survey, envelope["location"])
            try:
                response = self._submit(survey, questions, invitation, envelope, location)
            except SurveyChanged:
                continue
            except ApplicationError as error:
                errors = {api_field(key): [message] for key, message in error.errors.items()}
                return ApiResponse(error_body(error.message, errors), status=error.status_code)
            return created_reply(response)
        raise Conflict(_("This survey was being changed as you answered. Please send again."))

    def body(self, request) -> object:
        """The parsed body: by DRF's request, or on the short path by the same parser."""
        if self.plain:
            return parse_strict_json(request.body)
        return request.data

    def _submit(self, survey, questions, invitation, envelope: dict, location) -> Response:
        return response_submit(
            survey=survey,
            questions=questions,
            raw_answers=envelope["answers"],
            channel=Channel.EMAIL if invitation else envelope["channel"],
            location=location,
            invitation=invitation,
            contact_requested=envelope["contact_requested"],
            contact_email=envelope["contact_email"],
            cached=questions is not None,
        )

    def _location(self, survey: Survey, location_uuid) -> Location | None:
        if location_uuid is None:
            return None
        locations = Location.objects.filter(business_id=survey.business_id)
        location = locations.filter(uuid=location_uuid).first()
        if location is None:
            raise ApplicationError(
                _("Unknown location."),
                errors={"location": [_("This business has no such location.")]},
            )
        return location


class PublicInvitationResponseView(PublicResponseCreateView):
    """Answer an e-mail invitation by its token: the answer is tied to the customer invited.
    A token answers once (409 after that)."""

    @extend_schema(
        request=ResponseSubmitSerializer,
        responses={201: SubmittedSerializer, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA,
                   404: ERROR_SCHEMA, 409: ERROR_SCHEMA, 410: ERROR_SCHEMA, 413: ERROR_SCHEMA,
                   429: ERROR_SCHEMA},
    )  # fmt: skip
    def post(self, request, token):
        return self.submit(request, *self._invitation_loader(token))

    def _invitation_loader(self, token: str):
        def load(fresh: bool):
            invitation = invitation_for_token(token)
            return invitation.survey, None, invitation

        return f"invitation-{token[:16]}", load


def plain_json_post(request) -> bool:
    """Whether DRF would take this POST as it stands: JSON in UTF-8 with a body, answered
    in JSON (no other Accept, no ?format=). Its body is parsed by submit(), after the
    rate and size checks."""
    if request.method != "POST" or request.content_type != "application/json":
        return False
    if (request.encoding or "utf-8").lower() not in {"utf-8", "utf8"}:
        return False
    if request.META.get("HTTP_ACCEPT") not in PLAIN_ACCEPT:
        return False
    # request.GET parses the query string into a QueryDict; a submission has none.
    if request.META.get("QUERY_STRING") and "format" in request.GET:
        return False
    return bool(request.META.get("CONTENT_LENGTH"))


# A submission whose survey copy is found out of date is checked again against a fresh
# read; a survey edited again in that instant, twice more, is the customer's to resend.
SUBMIT_ATTEMPTS = 3


def submission_envelope(data: object) -> dict:
    """The body's fields. The usual body is read directly (see fast_envelope); anything
    else goes through the serializer, which words the errors."""
    envelope = fast_envelope(data)
    if envelope is None:
        serializer = ResponseSubmitSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        envelope = {"location": None, **serializer.validated_data}
    return envelope


def created_reply(response: Response) -> HttpResponse:
    """The 201 of a stored submission, on either path: what SubmittedSerializer gives, as
    JSONRenderer writes it (compact; only ASCII here), without building a serializer or
    a DRF Response (rendered by its renderer as the request ends: some 30 µs more of a
    submission's 850)."""
    body = {
        "uuid": str(response.uuid),
        "survey": str(response.survey.uuid),
        "created_at": _CREATED_AT.to_representation(response.created_at),
    }
    return HttpResponse(
        _COMPACT_JSON.encode(body),
        status=status.HTTP_201_CREATED,
        content_type="application/json",
    )


_CREATED_AT = serializers.DateTimeField()
# json.dumps makes an encoder on each call it is given separators.
_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))


def foreign_origin_refusal(request, survey: Survey) -> ApiResponse | None:
    """A browser names the site of the page that sends a POST in Origin. A page on a site
    the business did not list for this survey (or an opaque "null" origin) may not answer
    it; integrations and apps send no Origin and are taken (the rate limits still hold)."""
    origin = request.META.get("HTTP_ORIGIN")  # request.headers would copy every header
    if origin is None or origin in {
        f"{request.scheme}://{request.get_host()}",
        *survey.embed_origins,
    }:
        return None
    message = _(
        "This survey takes answers from its own page and the sites listed on its Share "
        "page only, not from %(origin)s."
    ) % {"origin": origin[:200]}
    return ApiResponse(
        error_body(_("Answers from this site are not accepted."), {"origin": [message]}),
        status=status.HTTP_403_FORBIDDEN,
    )


def api_field(key: str) -> str:
    """Answer errors are keyed by question uuid; in the API they sit under `answers.`."""
    return key if key == CONTACT_FIELD else f"answers.{key}"


class SurveyViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, BusinessScopedViewSet
):  # fmt: skip
    """Surveys: everyone in the business reads them; owners and managers build them.

    Surveys are never deleted through the API (their answers would go too): archive
    them with `{"status": "archived"}`.
    """

    model = Survey
    serializer_class = SurveySerializer

    @property
    def required_roles(self) -> tuple[str, ...]:
        return ALL_ROLES if self.action in {"list", "retrieve", None} else MANAGER_ROLES

    def scoped_queryset(self, business):
        return surveys_for_business(business=business).prefetch_related(
            "questions__show_if_question"
        )

    @extend_schema(request=SurveyWriteSerializer, responses={201: SurveySerializer})
    def create(self, request):
        incoming = SurveyWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        origins = data.pop("embed_origins", None)
        with transaction.atomic():
            survey = survey_create(
                business=request.business, template_key=data.pop("template", ""),
                actor=acting_user(request), **data,
            )  # fmt: skip
            if origins is not None:
                embed_origins_set(survey=survey, origins=origins)
        return ApiResponse(self._fresh(survey), status=status.HTTP_201_CREATED)

    @extend_schema(request=SurveyWriteSerializer, responses={200: SurveySerializer})
    def partial_update(self, request, uuid=None):
        survey = self.get_object()
        incoming = SurveyWriteSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        changes = {k: v for k, v in incoming.validated_data.items() if k != "template"}
        origins = changes.pop("embed_origins", None)
        with transaction.atomic():
            survey_update(survey=survey, actor=acting_user(request), **changes)
            if origins is not None:
                embed_origins_set(survey=survey, origins=origins)
        return ApiResponse(self._fresh(survey))

    @extend_schema(request=QuestionWriteSerializer, responses={201: QuestionSerializer})
    @action(detail=True, methods=["post"])
    def questions(self, request, uuid=None):
        """Add a question at the end of the survey."""
        survey = self.get_object()
        incoming = QuestionWriteSerializer(data=request.data, context={"survey": survey})
        incoming.is_valid(raise_exception=True)
        question = question_add(survey=survey, data=incoming.to_input())
        return ApiResponse(QuestionSerializer(question).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: SurveySerializer, 409: ERROR_SCHEMA})
    @action(detail=True, methods=["post"], url_path="trust-items")
    def trust_items(self, request, uuid=None):
        """Add the trust items (reliability, integrity, competence, benevolence) of the
        pillars the survey does not have yet; 409 when it has all four."""
        survey = self.get_object()
        trust_items_add(survey=survey)
        return ApiResponse(self._fresh(survey))

    def _fresh(self, survey: Survey) -> dict:
        survey = self.get_queryset().get(pk=survey.pk)
        return SurveySerializer(survey, context={"request": self.request}).data


class ConfirmSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(required=False, default=False)
    answers = serializers.IntegerField(required=False, min_value=0)
    follow_ups = serializers.IntegerField(required=False, min_value=0)

    def seen(self) -> RemovalSeen:
        data = self.validated_data
        return RemovalSeen(answers=data.get("answers"), follow_ups=data.get("follow_ups"))


def count_seen_parameter(name: str, what: str) -> OpenApiParameter:
    return OpenApiParameter(
        name, int, OpenApiParameter.QUERY, required=False,
        description=f"With confirm=true: the number of {what} the person confirming was "
        "told would be deleted (the 409's `counts`). If more would be deleted by now, the "
        "question is kept and the answer is 409 naming `confirm`, with today's counts. "
        "Left out: deleted whatever the number.",
    )  # fmt: skip


class QuestionViewSet(
    mixins.RetrieveModelMixin, mixins.DestroyModelMixin, BusinessScopedViewSet
):  # fmt: skip
    """One question of a survey: change it, move it, remove it (owners and managers)."""

    model = Question
    serializer_class = QuestionSerializer

    @property
    def required_roles(self) -> tuple[str, ...]:
        return ALL_ROLES if self.action in {"retrieve", None} else MANAGER_ROLES

    def scoped_queryset(self, business):
        return Question.objects.select_related("survey", "show_if_question")

    @extend_schema(request=QuestionWriteSerializer, responses={200: QuestionSerializer})
    def update(self, request, uuid=None):
        question = self.get_object()
        incoming = QuestionWriteSerializer(data=request.data, context={"survey": question.survey})
        incoming.is_valid(raise_exception=True)
        question_update(question=question, data=incoming.to_input())
        return ApiResponse(QuestionSerializer(question).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "confirm", bool, OpenApiParameter.QUERY, required=False,
                description="true: delete the question even though it has answers or "
                "follow-up questions; they are deleted with it. Without it, such a question "
                "is refused with 409 and the counts.",
            ),
            count_seen_parameter("answers", "answers"),
            count_seen_parameter("follow_ups", "follow-up questions"),
        ],
        responses={
            204: None, 400: ERROR_SCHEMA, 404: ERROR_SCHEMA,
            409: OpenApiResponse(description='{"detail": "...", "errors": {"confirm": ["..."]}, '
                                 '"counts": {"answers": 4, "follow_ups": 1}}: what would be '
                                 "deleted with the question, to confirm"),
        },
    )  # fmt: skip
    def destroy(self, request, uuid=None):
        question = self.get_object()
        incoming = ConfirmSerializer(data=request.query_params)
        incoming.is_valid(raise_exception=True)
        question_delete(
            question=question, confirmed=incoming.validated_data["confirm"],
            seen=incoming.seen(), actor=acting_user(request),
        )  # fmt: skip
        return ApiResponse(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=inline_serializer("Move", {"direction": serializers.ChoiceField(["up", "down"])}),
        responses={200: QuestionSerializer},
    )
    @action(detail=True, methods=["post"])
    def move(self, request, uuid=None):
        question = self.get_object()
        direction = request.data.get("direction") if isinstance(request.data, dict) else None
        if direction not in {"up", "down"}:
            raise ApplicationError(
                _("Say which way."), errors={"direction": [_('Use "up" or "down".')]}
            )
        question_move(question=question, offset=-1 if direction == "up" else 1)
        question.refresh_from_db()
        return ApiResponse(QuestionSerializer(question).data)


class ResponseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BusinessScopedViewSet):
    """Survey answers are for owners and managers, as on the dashboard: staff work the
    follow-up cases that unhappy answers raise, not the whole stream of answers."""

    model = Response
    serializer_class = ResponseSerializer
    required_roles = MANAGER_ROLES

    def scoped_queryset(self, business):
        return responses_for_business(business=business)

    def paginate_queryset(self, queryset):
        return with_answers_shown(super().paginate_queryset(queryset))

    def get_object(self):
        return with_answers_shown([super().get_object()])[0]
