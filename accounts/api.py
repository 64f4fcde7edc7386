"""The business-scoped base for every authenticated API view."""

from __future__ import annotations

from django.db.models import Model, QuerySet
from rest_framework import viewsets

from .access import ALL_ROLES
from .models import Business, User


class BusinessScopedViewSet(viewsets.GenericViewSet):
    """Every queryset is filtered by the request's business, whatever the subclass does.

    Subclasses override `scoped_queryset(business)`, never `get_queryset`, so
    nobody can forget the filter; defining `get_queryset` is refused at import.
    """

    model: type[Model]
    lookup_field = "uuid"
    lookup_value_converter = "uuid"
    required_roles: tuple[str, ...] = ALL_ROLES
    allow_api_key = True

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__} must override scoped_queryset(), not get_queryset().")

    def scoped_queryset(self, business: Business) -> QuerySet:
        return self.model.objects.all()

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no business
            return self.model.objects.none()
        business = self.request.business
        return self.scoped_queryset(business).filter(business=business)


def acting_user(request) -> User | None:
    """The person behind a request, or None when it came with an API key."""
    return request.user if getattr(request.user, "pk", None) else None
