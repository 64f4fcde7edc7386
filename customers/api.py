from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.access import ALL_ROLES, MANAGER_ROLES
from accounts.api import BusinessScopedViewSet, acting_user
from cxplatform.errors import Conflict
from cxplatform.parsers import StrictJSONParser

from .importing import MAX_UPLOAD_BYTES
from .imports import import_reread, import_start, import_upload
from .models import Customer, CustomerImport, ImportStatus, Purchase
from .selectors import customers_search, imports_for_business
from .serializers import (
    CustomerImportDetailSerializer,
    CustomerImportEncodingSerializer,
    CustomerImportSerializer,
    CustomerImportStartSerializer,
    CustomerImportUploadSerializer,
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
    purchases_record,
)

ALREADY_STARTED = OpenApiResponse(description="The import has already started.")
SEARCH = OpenApiParameter(
    "q",
    OpenApiTypes.STR,
    description="Only customers whose name, e-mail or phone, or one of whose tags, "
    "contains this text, in any case.",
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
        # A search narrows the list only: one customer's address answers with or without it.
        query = self.request.query_params.get("q", "") if self.action == "list" else ""
        return customers_search(business=business, query=query)

    @extend_schema(parameters=[SEARCH])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def create(self, request):
        incoming = CustomerSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        customer = customer_create(
            business=request.business, consent_source="api", actor=acting_user(request),
            **incoming.validated_data,
        )  # fmt: skip
        return Response(CustomerSerializer(customer).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, uuid=None):
        customer = self.get_object()
        incoming = CustomerSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        customer_update(
            customer=customer, consent_source="api", actor=acting_user(request),
            **incoming.validated_data,
        )  # fmt: skip
        return Response(CustomerSerializer(customer).data)

    def perform_destroy(self, instance: Customer) -> None:
        customer_delete(customer=instance, actor=acting_user(self.request))


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
            inputs = [self._input(request.business, item) for item in items]
            results = purchases_record(business=request.business, items=inputs)
        body = {
            "purchases": PurchaseSerializer([p for p, _ in results], many=True).data,
            "created": [created for _, created in results],
        }
        return Response(body, status=status.HTTP_201_CREATED)

    def _input(self, business, item: dict) -> PurchaseInput:
        customer = item.get("customer")
        if customer is None:
            customer, _ = customer_for_email(
                business=business, email=item["customer_email"], name=item.get("customer_name", "")
            )
        return PurchaseInput(
            customer=customer, purchased_at=item["purchased_at"], amount=item["amount"],
            currency=item["currency"].upper(), order_reference=item.get("order_reference", ""),
            location=item.get("location"),
        )  # fmt: skip


class CustomerImportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, BusinessScopedViewSet
):
    """CSV imports of customers and purchases, as in the browser: upload the file (the
    answer guesses the mapping and previews the first rows), start it with the mapping,
    then poll it for progress and the report of refused rows."""

    model = CustomerImport
    serializer_class = CustomerImportDetailSerializer
    required_roles = MANAGER_ROLES
    # The upload is multipart; starting it and choosing an encoding take JSON as well.
    parser_classes = [StrictJSONParser, MultiPartParser, FormParser]

    def scoped_queryset(self, business):
        if self.action == "list":  # the files themselves stay in the database
            return imports_for_business(business=business)
        return CustomerImport.objects.all()

    def get_serializer_class(self):
        return CustomerImportSerializer if self.action == "list" else CustomerImportDetailSerializer

    @extend_schema(
        request=CustomerImportUploadSerializer, responses={201: CustomerImportDetailSerializer}
    )
    def create(self, request):
        incoming = CustomerImportUploadSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        upload = incoming.validated_data["file"]
        job = import_upload(
            business=request.business, user=acting_user(request),
            name=upload.name, content=upload.read(MAX_UPLOAD_BYTES + 1),
            encoding=incoming.validated_data["encoding"],
        )  # fmt: skip
        return Response(CustomerImportDetailSerializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=CustomerImportEncodingSerializer,
        responses={200: CustomerImportDetailSerializer, 409: ALREADY_STARTED},
    )
    @action(detail=True, methods=["post"])
    def encoding(self, request, uuid=None):
        """Read the file again in another encoding (only before it starts)."""
        job = self.get_object()
        incoming = CustomerImportEncodingSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        job = import_reread(customer_import=job, encoding=incoming.validated_data["encoding"])
        return Response(CustomerImportDetailSerializer(job).data)

    @extend_schema(
        request=CustomerImportStartSerializer,
        responses={202: CustomerImportSerializer, 409: ALREADY_STARTED},
    )
    @action(detail=True, methods=["post"])
    def start(self, request, uuid=None):
        """Start the import with this mapping; a worker writes it. Poll the import."""
        job = self.get_object()
        if job.status != ImportStatus.UPLOADED:
            raise Conflict(_("This import has already started."))
        incoming = CustomerImportStartSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        options = {"day_first": data["day_first"], "currency": data["currency"].upper()}
        import_start(customer_import=job, mapping=data["mapping"], options=options)
        job.refresh_from_db()
        return Response(CustomerImportSerializer(job).data, status=status.HTTP_202_ACCEPTED)
