from __future__ import annotations

from django.core.management.base import BaseCommand

from accounts.management.arguments import add_business_argument, businesses_named
from metrics.case_outcomes import case_outcomes_build
from metrics.kpi_rollup import kpi_rollup_build


class Command(BaseCommand):
    help = (
        "Rebuild the dashboard's own roll-ups of the given businesses, or of all: the KPI "
        "roll-up (the journey roll-up added up by day and channel) and the resolved cases' "
        "days (every journey build keeps both in step, so this is a repair), and the "
        "follow-up case outcomes (recovery)."
    )

    def add_arguments(self, parser) -> None:
        add_business_argument(parser)

    def handle(self, *args, business: list[str], **options) -> None:
        for one in businesses_named(business).iterator():
            rows = kpi_rollup_build(business=one)
            outcomes = case_outcomes_build(business=one)
            self.stdout.write(
                f"{one.name}: {rows} KPI and resolved-case roll-up rows, {outcomes} case outcomes"
            )
