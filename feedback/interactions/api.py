from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.response import Response

from accounts.api import BusinessScopedViewSet, acting_user
from cxplatform.errors import field_error

from ..models import Interaction
from .selectors import QUERY_MAX, interactions_for_business
from .serializers import InteractionCreateSerializer, InteractionSerializer
from .services import NewCustomer, interaction_log

SEARCH = OpenApiParameter(
    "q",
    OpenApiTypes.STR,
    description="Only interactions whose customer's name, e-mail or phone, or whose note "
    f"(what happened), contains this text, in any case; at most {QUERY_MAX} characters.",
)


class InteractionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    BusinessScopedViewSet,
):  # fmt: skip
    """Customer interactions logged by staff; notes are scored for sentiment by a worker."""

    model = Interaction
    serializer_class = InteractionSerializer

    def scoped_queryset(self, business):
        query = self.request.query_params.get("q", "") if self.action == "list" else ""
        return interactions_for_business(business=business, query=query)

    @extend_schema(parameters=[SEARCH])
    def list(self, request, *args, **kwargs):
        if len(request.query_params.get("q", "")) > QUERY_MAX:
            raise field_error("q", _("At most %(n)d characters.") % {"n": QUERY_MAX})
        return super().list(request, *args, **kwargs)

    @extend_schema(request=InteractionCreateSerializer, responses={201: InteractionSerializer})
    def create(self, request, *args, **kwargs):
        incoming = InteractionCreateSerializer(
            data=request.data, context={"business": request.business}
        )
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        person = NewCustomer(**data.pop("new_customer", {}))
        interaction = interaction_log(
            business=request.business, staff=acting_user(request), new_customer=person, **data
        )
        return Response(InteractionSerializer(interaction).data, status=status.HTTP_201_CREATED)
