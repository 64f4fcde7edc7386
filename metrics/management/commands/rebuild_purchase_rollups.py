from __future__ import annotations

from django.core.management.base import BaseCommand

from accounts.management.arguments import add_business_argument, businesses_named
from metrics.clv_fit import clv_fit_run
from metrics.purchases import purchase_rollup_build


class Command(BaseCommand):
    help = (
        "Rebuild the purchase roll-up (retention, cohorts, historical CLV) of the given "
        "businesses, or of all; with --fit, also fit the predictive CLV."
    )

    def add_arguments(self, parser) -> None:
        add_business_argument(parser)
        parser.add_argument("--fit", action="store_true", help="Also fit the predictive CLV.")

    def handle(self, *args, business: list[str], fit: bool, **options) -> None:
        for one in businesses_named(business).iterator():
            rows = purchase_rollup_build(business=one)
            self.stdout.write(f"{one.name}: {rows} purchase roll-up rows")
            if fit:
                done = clv_fit_run(business=one)
                self.stdout.write(f"{one.name}: CLV fit {done.status} {done.message}".rstrip())
