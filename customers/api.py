from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from accounts.access import ALL_ROLES, MANAGER_ROLES
from accounts.api import BusinessScopedViewSet

from .models import Customer, Purchase
from .selectors import customers_search
from .serializers import (
    CustomerSerializer,
    PurchaseBatchSerializer,
    PurchaseInSerializer,
    PurchaseSerializer,
)
from .services import (
    PurchaseInput,
    customer_create,
    customer_delete,
    customer_for_email,
    customer_update,
    purchase_record,
)


class CustomerViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
    BusinessScopedViewSet,
):  # fmt: skip
    """Customers. Everyone in the business reads and adds; owners and managers edit."""

    model = Customer
    serializer_class = CustomerSerializer

    @property
    def required_roles(self) -> tuple[str, ...]:
        open_to_all = {"list", "retrieve", "create", None}
        return ALL_ROLES if self.action in open_to_all else MANAGER_ROLES

    def scoped_queryset(self, business):
        return customers_search(business=business, query=self.request.query_params.get("q", ""))

    def create(self, request):
        incoming = CustomerSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        customer = customer_create(
            business=request.business, consent_source="api", **incoming.validated_data
        )
        return Response(CustomerSerializer(customer).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, uuid=None):
        customer = self.get_object()
        incoming = CustomerSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        customer_update(customer=customer, consent_source="api", **incoming.validated_data)
        return Response(CustomerSerializer(customer).data)

    def perform_destroy(self, instance: Customer) -> None:
        customer_delete(customer=instance)


PURCHASE_RESULT = inline_serializer(
    "PurchaseResult",
    {
        "purchases": PurchaseSerializer(many=True),
        "created": serializers.ListField(child=serializers.BooleanField()),
    },
)


class PurchaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BusinessScopedViewSet):
    """Purchases from a till or shop system, one at a time or up to 1,000 per request.

    A batch is all-or-nothing: one bad item refuses the whole request (errors name it,
    e.g. `purchases.3.amount`). An order reference sent again updates that purchase
    instead of adding a second one; `created` says which were new.
    """

    model = Purchase
    serializer_class = PurchaseSerializer
    required_roles = MANAGER_ROLES

    def scoped_queryset(self, business):
        return Purchase.objects.select_related("customer", "location").order_by("-purchased_at")

    @extend_schema(request=PurchaseBatchSerializer, responses={201: PURCHASE_RESULT})
    def create(self, request):
        batch = isinstance(request.data, dict) and "purchases" in request.data
        context = {"business": request.business}
        if batch:
            incoming = PurchaseBatchSerializer(data=request.data, context=context)
            incoming.is_valid(raise_exception=True)
            items = incoming.validated_data["purchases"]
        else:
            incoming = PurchaseInSerializer(data=request.data, context=context)
            incoming.is_valid(raise_exception=True)
            items = [incoming.validated_data]
        with transaction.atomic():
            results = [self._record(request.business, item) for item in items]
        body = {
            "purchases": PurchaseSerializer([p for p, _ in results], many=True).data,
            "created": [created for _, created in results],
        }
        return Response(body, status=status.HTTP_201_CREATED)

    def _record(self, business, item: dict):
        customer = item.get("customer")
        if customer is None:
            customer, _ = customer_for_email(
                business=business, email=item["customer_email"], name=item.get("customer_name", "")
            )
        return purchase_record(
            business=business,
            data=PurchaseInput(
                customer=customer, purchased_at=item["purchased_at"], amount=item["amount"],
                currency=item["currency"].upper(), order_reference=item.get("order_reference", ""),
                location=item.get("location"),
            ),
        )  # fmt: skip
