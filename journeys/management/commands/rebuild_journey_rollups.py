from __future__ import annotations

from uuid import UUID

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Business
from journeys.rollups import rollup_build


class Command(BaseCommand):
    help = "Rebuild the journey map's daily roll-up of the given businesses (uuids), or of all."

    def add_arguments(self, parser) -> None:
        parser.add_argument("business", nargs="*", help="Business uuids (default: every business).")

    def handle(self, *args, business: list[str], **options) -> None:
        businesses = Business.objects.order_by("pk")
        if business:
            uuids = {self.as_uuid(value) for value in business}
            businesses = businesses.filter(uuid__in=uuids)
            if businesses.count() != len(uuids):
                raise CommandError("Some of those uuids are not businesses.")
        for one in businesses.iterator():
            cells = rollup_build(business=one)
            self.stdout.write(f"{one.name}: {cells} roll-up rows")

    @staticmethod
    def as_uuid(value: str) -> UUID:
        try:
            return UUID(value)
        except ValueError as error:
            raise CommandError(f"Not a business uuid: {value!r}") from error
