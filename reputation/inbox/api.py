"""/api/v1/reviews/: the review inbox, drafts, the empathy check and replies.

Every member (and any API key) reads; drafting, checking and replying need an owner or
manager, or a key with the write scope.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.access import ALL_ROLES, MANAGER_ROLES
from accounts.api import BusinessScopedViewSet, acting_user
from cxplatform.errors import ApplicationError, error_body

from ..empathy import empathy_check, missing
from ..models import Review
from ..replies import reply_draft
from ..selectors import aspect_names_of, reviews_for_business
from .forms import SENTIMENTS, ReviewFilterForm
from .serializers import (
    DraftSerializer,
    EmpathyRequestSerializer,
    EmpathyResultSerializer,
    RepliedOnSiteSerializer,
    ReplySerializer,
    ReviewDetailSerializer,
    ReviewSerializer,
)
from .services import review_mark_replied, review_reply_post

PAGING = ("cursor", "page_size")
WRITING_ACTIONS = frozenset({"draft", "reply", "replied_on_site", "empathy_check"})

FILTER_PARAMETERS = [
    OpenApiParameter("source", OpenApiTypes.UUID, description="One review source."),
    OpenApiParameter("rating", OpenApiTypes.INT, enum=[1, 2, 3, 4, 5]),
    OpenApiParameter("location", OpenApiTypes.UUID),
    OpenApiParameter("replied", OpenApiTypes.STR, enum=["yes", "no"]),
    OpenApiParameter(
        "sentiment", OpenApiTypes.STR, enum=[value for value, _label in SENTIMENTS if value]
    ),
    OpenApiParameter(
        "deleted",
        OpenApiTypes.STR,
        enum=["1"],
        description="1: include reviews removed from their site (left out by default).",
    ),
]
FAILED_POST = OpenApiResponse(
    description="The site refused the reply or could not be reached; `detail` says why. "
    "The text is kept as the review's draft."
)


class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BusinessScopedViewSet):
    """The business's reviews from every connected site, newest first.

    Unknown query parameters are refused by name, so a typo never returns unfiltered
    reviews as if they were filtered.
    """

    model = Review
    serializer_class = ReviewSerializer
    review_filters: dict | None = None

    @property
    def required_roles(self) -> tuple[str, ...]:
        return MANAGER_ROLES if self.action in WRITING_ACTIONS else ALL_ROLES

    def scoped_queryset(self, business):
        if self.action == "list":
            return reviews_for_business(business=business, **(self.review_filters or {}))
        return reviews_for_business(business=business, include_deleted=True).prefetch_related(
            "revisions"
        )

    def get_serializer_class(self):
        return ReviewDetailSerializer if self.action == "retrieve" else ReviewSerializer

    @extend_schema(parameters=FILTER_PARAMETERS)
    def list(self, request, *args, **kwargs):
        form = ReviewFilterForm(request.query_params, business=request.business, also_known=PAGING)
        if not form.is_valid():
            raise ApplicationError(_("Some filters need another look."), errors=form.error_dict())
        self.review_filters = form.filters
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: DraftSerializer})
    @action(detail=True, methods=["post"])
    def draft(self, request, uuid=None):
        """A suggested reply to edit (not saved, not posted), signed by the caller."""
        review = self.get_object()
        names = aspect_names_of(business=request.business)
        text = reply_draft(review=review, aspect_names=names, author=acting_user(request))
        return Response({"text": text})

    @extend_schema(
        request=ReplySerializer, responses={200: ReviewDetailSerializer, 502: FAILED_POST}
    )
    @action(detail=True, methods=["post"])
    def reply(self, request, uuid=None):
        """Post the reply through the site's API. Sites without one refuse with 400:
        paste the reply there and call replied-on-site."""
        review = self.get_object()
        body = ReplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        outcome = review_reply_post(
            review=review, text=body.validated_data["text"], actor=acting_user(request)
        )
        if not outcome.posted:
            message = _("The site did not take the reply: %(error)s") % {"error": outcome.error}
            return Response(
                error_body(message, {"text": [outcome.error]}), status=status.HTTP_502_BAD_GATEWAY
            )
        return Response(ReviewDetailSerializer(outcome.review).data)

    @extend_schema(request=RepliedOnSiteSerializer, responses={200: ReviewDetailSerializer})
    @action(detail=True, methods=["post"], url_path="replied-on-site")
    def replied_on_site(self, request, uuid=None):
        """Record that the reply was pasted on the site by hand."""
        review = self.get_object()
        body = RepliedOnSiteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        review_mark_replied(
            review=review, text=body.validated_data.get("text", ""), actor=acting_user(request)
        )
        return Response(ReviewDetailSerializer(review).data)

    @extend_schema(request=EmpathyRequestSerializer, responses={200: EmpathyResultSerializer})
    @action(detail=False, methods=["post"], url_path="empathy-check")
    def empathy_check(self, request):
        """Five checks of a reply: feeling, the specific issue, no blame, no rash
        promises, a next step. Advice only; nothing is saved."""
        body = EmpathyRequestSerializer(data=request.data, context={"business": request.business})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        checks = empathy_check(text=data["text"], review=data["review"])
        return Response(
            {
                "checks": [check.as_dict() for check in checks],
                "missing": [check.as_dict() for check in missing(checks)],
            }
        )
