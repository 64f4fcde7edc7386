"""Analyse a business's texts again, in batches, printing progress."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Business
from textanalysis.models import RescoreJob
from textanalysis.rescore import rescore_run, rescore_start


class Command(BaseCommand):
    help = "Rescore every text of a business (after its aspect lists changed)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("business", help="The business's uuid.")

    def handle(self, *args, business: str, **options) -> None:
        try:
            found = Business.objects.get(uuid=business)
        except (Business.DoesNotExist, ValueError, ValidationError) as error:
            raise CommandError(f"No business with uuid {business}.") from error
        # Run here rather than by a worker: the command shows its own progress.
        job = rescore_start(business=found, enqueue=False)
        rescore_run(job_id=job.pk, progress=self.report)
        job.refresh_from_db()
        self.stdout.write(f"{job.get_status_display()}: {job.done} of {job.total} texts.")

    def report(self, job: RescoreJob) -> None:
        self.stdout.write(f"{job.done}/{job.total} ({job.progress_percent}%)")
