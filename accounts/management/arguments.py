"""Command-line arguments shared by the management commands that work business by business."""

from __future__ import annotations

from uuid import UUID

from django.core.management.base import CommandError
from django.db.models import QuerySet

from accounts.models import Business


def add_business_argument(parser) -> None:
    parser.add_argument("business", nargs="*", help="Business uuids (default: every business).")


def businesses_named(values: list[str]) -> QuerySet[Business]:
    """The businesses with these uuids (every business when none), in a stable order;
    CommandError naming the value at fault rather than silently doing less."""
    businesses = Business.objects.order_by("pk")
    if not values:
        return businesses
    uuids = {_as_uuid(value) for value in values}
    businesses = businesses.filter(uuid__in=uuids)
    if businesses.count() != len(uuids):
        raise CommandError("Some of those uuids are not businesses.")
    return businesses


def _as_uuid(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError as error:
        raise CommandError(f"Not a business uuid: {value!r}") from error
