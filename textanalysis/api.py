from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import ALL_ROLES, MANAGER_ROLES
from accounts.api import BusinessScopedViewSet, acting_user

from .alerts import alert_acknowledge
from .configuration import aspect_create, aspect_delete, aspect_update, insight_settings_update
from .models import Alert, Aspect, RescoreJob
from .rescore import rescore_start
from .selectors import alerts_for_business, aspects_for_business, rescores_for_business
from .serializers import (
    AlertSerializer,
    AspectSerializer,
    AspectWriteSerializer,
    InsightSettingsSerializer,
    RescoreJobSerializer,
    WebhookSecretSerializer,
)
from .services import insight_settings_for
from .webhooks import webhook_secret_rotate


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BusinessScopedViewSet):
    """Texts someone should look at now: strongly negative, or naming an urgent matter.

    Newest first; `?acknowledged=false` lists only those nobody has acknowledged yet.
    """

    model = Alert
    serializer_class = AlertSerializer

    def scoped_queryset(self, business):
        wanted = self.request.query_params.get("acknowledged", "")
        alerts = alerts_for_business(business=business, unacknowledged=wanted == "false")
        return alerts.exclude(acknowledged_at=None) if wanted == "true" else alerts

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "acknowledged", bool, description="false: only alerts nobody acknowledged yet"
            )
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: AlertSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, uuid=None):
        """Mark the alert as seen (a second time changes nothing)."""
        alert = alert_acknowledge(alert=self.get_object(), user=acting_user(request))
        return Response(AlertSerializer(alert, context={"request": request}).data)


class AspectViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
    BusinessScopedViewSet,
):  # fmt: skip
    """What customers talk about and the words that name it. Everyone reads; owners and
    managers change them. Changes apply to new texts; POST /rescores/ for earlier ones."""

    model = Aspect
    serializer_class = AspectSerializer
    pagination_class = None  # a short list in the business's own order

    @property
    def required_roles(self) -> tuple[str, ...]:
        return ALL_ROLES if self.action in {"list", "retrieve", None} else MANAGER_ROLES

    def scoped_queryset(self, business):
        return aspects_for_business(business=business)

    @extend_schema(request=AspectWriteSerializer, responses={201: AspectSerializer})
    def create(self, request):
        incoming = AspectWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        aspect = aspect_create(
            business=request.business, actor=acting_user(request), **incoming.validated_data
        )
        return Response(AspectSerializer(aspect).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AspectWriteSerializer, responses={200: AspectSerializer})
    def partial_update(self, request, uuid=None):
        aspect = self.get_object()
        incoming = AspectWriteSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        changes = {k: v for k, v in incoming.validated_data.items() if k != "key"}
        aspect_update(aspect=aspect, actor=acting_user(request), **changes)
        return Response(AspectSerializer(aspect).data)

    def perform_destroy(self, instance: Aspect) -> None:
        aspect_delete(aspect=instance, actor=acting_user(self.request))


class InsightSettingsView(APIView):
    """The caller's business's alert rules (owners and managers)."""

    required_roles = MANAGER_ROLES

    @extend_schema(responses={200: InsightSettingsSerializer})
    def get(self, request):
        return Response(InsightSettingsSerializer(insight_settings_for(request.business)).data)

    @extend_schema(request=InsightSettingsSerializer, responses={200: InsightSettingsSerializer})
    def patch(self, request):
        incoming = InsightSettingsSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        row = insight_settings_update(
            business=request.business, actor=acting_user(request), **incoming.validated_data
        )
        reply = Response(InsightSettingsSerializer(row).data)
        if row.new_webhook_secret:
            reply["Cache-Control"] = "no-store"
        return reply


class WebhookSecretRotateView(APIView):
    """A new webhook signing secret for the caller's business (owners and managers,
    signed in: not with an API key). The answer is the only place it is shown."""

    required_roles = MANAGER_ROLES
    allow_api_key = False

    @extend_schema(request=None, responses={200: WebhookSecretSerializer})
    def post(self, request):
        secret = webhook_secret_rotate(business=request.business)
        row = insight_settings_for(request.business)
        body = {
            "webhook_secret": secret,
            "webhook_secret_hint": row.webhook_secret_hint,
            "webhook_secret_created_at": row.webhook_secret_created_at,
        }
        reply = Response(WebhookSecretSerializer(body).data)
        reply["Cache-Control"] = "no-store"
        return reply


class RescoreViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BusinessScopedViewSet):
    """Analysing all of the business's texts again (owners and managers). One runs at a
    time: starting another while one is queued or running returns that one."""

    model = RescoreJob
    serializer_class = RescoreJobSerializer
    required_roles = MANAGER_ROLES

    def scoped_queryset(self, business):
        return rescores_for_business(business=business)

    @extend_schema(request=None, responses={202: RescoreJobSerializer})
    def create(self, request):
        """Start rescoring; a worker does it. Poll the job for its progress."""
        job = rescore_start(business=request.business, user=acting_user(request))
        return Response(RescoreJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
