from __future__ import annotations

from django.core.management.base import BaseCommand

from accounts.management.arguments import add_business_argument, businesses_named
from journeys.rollups import rollup_build


class Command(BaseCommand):
    help = "Rebuild the journey map's daily roll-up of the given businesses (uuids), or of all."

    def add_arguments(self, parser) -> None:
        add_business_argument(parser)

    def handle(self, *args, business: list[str], **options) -> None:
        for one in businesses_named(business).iterator():
            cells = rollup_build(business=one)
            self.stdout.write(f"{one.name}: {cells} roll-up rows")
