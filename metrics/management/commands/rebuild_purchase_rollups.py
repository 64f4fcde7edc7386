from __future__ import annotations

from uuid import UUID

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Business
from metrics.clv_fit import clv_fit_run
from metrics.purchases import purchase_rollup_build


class Command(BaseCommand):
    help = (
        "Rebuild the purchase roll-up (retention, cohorts, historical CLV) of the given "
        "businesses, or of all; with --fit, also fit the predictive CLV."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("business", nargs="*", help="Business uuids (default: every business).")
        parser.add_argument("--fit", action="store_true", help="Also fit the predictive CLV.")

    def handle(self, *args, business: list[str], fit: bool, **options) -> None:
        businesses = Business.objects.order_by("pk")
        if business:
            uuids = {self.as_uuid(value) for value in business}
            businesses = businesses.filter(uuid__in=uuids)
            if businesses.count() != len(uuids):
                raise CommandError("Some of those uuids are not businesses.")
        for one in businesses.iterator():
            rows = purchase_rollup_build(business=one)
            self.stdout.write(f"{one.name}: {rows} purchase roll-up rows")
            if fit:
                done = clv_fit_run(business=one)
                self.stdout.write(f"{one.name}: CLV fit {done.status} {done.message}".rstrip())

    @staticmethod
    def as_uuid(value: str) -> UUID:
        try:
            return UUID(value)
        except ValueError as error:
            raise CommandError(f"Not a business uuid: {value!r}") from error
