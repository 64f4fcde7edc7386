from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.access import MANAGER_ROLES
from accounts.api import BusinessScopedViewSet, acting_user
from cxplatform.errors import ApplicationError, Conflict

from ..models import ReviewRequest, ReviewSource
from ..review_requests import Plan, request_plan, requests_for_business, review_requests_create
from ..services import source_poll_now
from .selectors import sources_for_business
from .serializers import (
    PlanSerializer,
    ReviewRequestCreateSerializer,
    ReviewRequestSerializer,
    ReviewSourceSerializer,
    ReviewSourceWriteSerializer,
)
from .services import source_archive, source_create, source_update

POLL_RESULT = inline_serializer("PollResult", {"polling": serializers.BooleanField()})


class ReviewSourceViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
    BusinessScopedViewSet,
):  # fmt: skip
    """Where the business is reviewed (owners and managers; API keys need the write scope
    to change anything). Credentials are write-only. DELETE archives: polling stops,
    the reviews stay. The list leaves archived sources out."""

    model = ReviewSource
    serializer_class = ReviewSourceSerializer
    required_roles = MANAGER_ROLES

    def scoped_queryset(self, business):
        return sources_for_business(business=business, include_archived=self.action != "list")

    @extend_schema(request=ReviewSourceWriteSerializer, responses={201: ReviewSourceSerializer})
    def create(self, request):
        incoming = ReviewSourceWriteSerializer(
            data=request.data, context={"business": request.business}
        )
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        provider, secrets = data.pop("provider"), data.pop("secrets", {})
        source = source_create(
            business=request.business, provider=provider, values=data, secrets=secrets,
            actor=acting_user(request),
        )  # fmt: skip
        source.review_count = 0
        return Response(ReviewSourceSerializer(source).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReviewSourceWriteSerializer, responses={200: ReviewSourceSerializer})
    def partial_update(self, request, uuid=None):
        source = self.get_object()
        incoming = ReviewSourceWriteSerializer(
            data=request.data, context={"business": request.business}, updating=True
        )
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        secrets = data.pop("secrets", {})
        source_update(source=source, values=data, secrets=secrets, actor=acting_user(request))
        return Response(ReviewSourceSerializer(source).data)

    def perform_destroy(self, instance: ReviewSource) -> None:
        source_archive(source=instance, actor=acting_user(self.request))

    @extend_schema(request=None, responses={202: POLL_RESULT})
    @action(detail=True, methods=["post"])
    def poll(self, request, uuid=None):
        """Check the site for new reviews now (409 while a check is under way)."""
        source = self.get_object()
        if not source.is_polled:
            raise ApplicationError(
                _("Reviews of this source are entered by hand; nothing to check."),
                errors={"provider": [_("This source is never polled.")]},
            )
        if not source_poll_now(source=source):
            raise Conflict(_("A check is already under way, or the source is paused or archived."))
        return Response({"polling": True}, status=status.HTTP_202_ACCEPTED)


def plan_body(plan: Plan) -> dict:
    return {"asked": plan.asked, "skipped": plan.skipped}


class ReviewRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BusinessScopedViewSet):
    """E-mails asking customers to review the business on a site (owners and managers).

    Everyone in the chosen group who agreed to be contacted is asked alike: there is
    no filter by satisfaction (review gating breaks Google's and Yelp's rules), and an
    unknown parameter is refused. Nobody is asked twice within 90 days.
    """

    model = ReviewRequest
    serializer_class = ReviewRequestSerializer
    required_roles = MANAGER_ROLES

    def scoped_queryset(self, business):
        return requests_for_business(business=business)

    @extend_schema(request=ReviewRequestCreateSerializer, responses={201: PlanSerializer})
    def create(self, request):
        choice = self._choice(request)
        plan = review_requests_create(business=request.business, **choice)
        return Response(plan_body(plan), status=status.HTTP_201_CREATED)

    @extend_schema(request=ReviewRequestCreateSerializer, responses={200: PlanSerializer})
    @action(detail=False, methods=["post"])
    def preview(self, request):
        """How many would be asked and how many skipped, by reason; nothing is sent."""
        plan = request_plan(business=request.business, **self._choice(request))
        return Response(plan_body(plan))

    def _choice(self, request) -> dict:
        incoming = ReviewRequestCreateSerializer(
            data=request.data, context={"business": request.business}
        )
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        return {"source": data["source"], "audience": data["audience"], "days": data.get("days")}
