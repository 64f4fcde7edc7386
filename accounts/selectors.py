"""Reads for businesses and members. Everything business-owned is read with `business` first."""

from __future__ import annotations

from typing import TypeVar
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from .models import ApiKey, Business, BusinessOwned, Membership, User

M = TypeVar("M", bound=BusinessOwned)


def memberships_for_user(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("business")


def membership_for_business(*, user: User, business_uuid: UUID | str) -> Membership | None:
    try:
        return memberships_for_user(user=user).filter(business__uuid=business_uuid).first()
    except (ValueError, ValidationError):
        return None


def business_object_or_404(model: type[M], *, business: Business, uuid: UUID | str) -> M:
    """The one way views load an object by its public uuid: 404 for anyone else's."""
    try:
        return model.objects.get(business=business, uuid=uuid)
    except (model.DoesNotExist, ValueError, ValidationError) as error:
        raise Http404(model._meta.verbose_name) from error


def api_keys_for_business(*, business: Business) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(business=business).select_related("created_by")


def api_key_by_prefix(*, prefix: str) -> ApiKey | None:
    return ApiKey.objects.select_related("business").filter(prefix=prefix).first()
