"""A customer's data over the API: GET …/customers/<uuid>/export/, POST …/erase/."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import MANAGER_ROLES
from accounts.api import acting_user
from accounts.models import ApiKey
from accounts.selectors import business_object_or_404
from customers.models import Customer

from .serializers import CustomerExportSerializer, ErasureSerializer
from .services import customer_erase, customer_export


def through_key(request) -> dict:
    """For the audit log: which API key acted, when one did (it names no person)."""
    return {"api_key": request.auth.prefix} if isinstance(request.auth, ApiKey) else {}


class CustomerExportView(APIView):
    """Everything the business holds about one customer, for their access request
    (owners and managers; API keys of the business). Each export is in the audit log."""

    required_roles = MANAGER_ROLES

    @extend_schema(responses={200: CustomerExportSerializer})
    def get(self, request, customer_uuid):
        customer = business_object_or_404(Customer, business=request.business, uuid=customer_uuid)
        data = customer_export(
            business=request.business, customer=customer, actor=acting_user(request),
            detail=through_key(request),
        )  # fmt: skip
        return Response(data)


class CustomerEraseView(APIView):
    """Erase the customer's personal data and words on their request (owners and
    managers; write API keys). Scores, dates, places and amounts stay, so KPIs do not
    change. One transaction; asked again it changes nothing and returns the same record."""

    required_roles = MANAGER_ROLES

    @extend_schema(request=None, responses={200: ErasureSerializer})
    def post(self, request, customer_uuid):
        customer = business_object_or_404(Customer, business=request.business, uuid=customer_uuid)
        erasure, _ = customer_erase(
            business=request.business, customer=customer, actor=acting_user(request),
            detail=through_key(request),
        )  # fmt: skip
        return Response(ErasureSerializer(erasure).data)
