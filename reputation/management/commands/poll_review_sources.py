"""Poll the review sources that are due, here and now, without a worker or beat: for the
demo (whose tasks run in-process) and for an operator checking a source by hand."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from reputation.models import ReviewSource
from reputation.polling import source_poll, sources_claim_due


class Command(BaseCommand):
    help = "Poll every review source that is due now and print how each went."

    def handle(self, *args, **options) -> None:
        claimed = sources_claim_due()
        names = dict(ReviewSource.objects.filter(pk__in=claimed).values_list("pk", "name"))
        for source_id in claimed:
            self.stdout.write(
                f"{names.get(source_id, source_id)}: {source_poll(source_id=source_id)}"
            )
        self.stdout.write(f"{len(claimed)} source(s) polled.")
