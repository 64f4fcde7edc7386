from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.response import Response

from accounts.api import BusinessScopedViewSet, acting_user

from ..models import Interaction
from .selectors import interactions_for_business
from .serializers import InteractionCreateSerializer, InteractionSerializer
from .services import NewCustomer, interaction_log


class InteractionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    BusinessScopedViewSet,
):  # fmt: skip
    """Customer interactions logged by staff; notes are scored for sentiment by a worker."""

    model = Interaction
    serializer_class = InteractionSerializer

    def scoped_queryset(self, business):
        return interactions_for_business(business=business)

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
