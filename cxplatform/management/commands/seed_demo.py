from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from cxplatform.demo.seed import DEFAULT_NAME, OWNER_PASSWORD, STAFF_PASSWORD, seed_demo


class Command(BaseCommand):
    help = (
        "Build (or rebuild) a realistic demo business: owner, staff, locations, customers, "
        "two years of purchases, survey responses and staff interactions."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--scale", type=float, default=1.0,
            help="1 = 500 customers, 2,000 purchases, 1,000 responses, 100 interactions.",
        )  # fmt: skip
        parser.add_argument("--name", default=DEFAULT_NAME, help="The business's name.")
        parser.add_argument(
            "--seed", type=int, default=7, help="Random seed (same seed, same data)."
        )
        parser.add_argument(
            "--skip-scoring", action="store_true",
            help="Leave comments unscored (the benchmarks score them themselves).",
        )  # fmt: skip

    def handle(self, *args, scale: float, name: str, seed: int, skip_scoring: bool, **options):
        if not 0.01 <= scale <= 10_000:
            raise CommandError("--scale must be between 0.01 and 10000.")
        result = seed_demo(scale=scale, name=name, seed=seed, score=not skip_scoring)
        counts = ", ".join(f"{count:,} {kind}" for kind, count in result.counts.items())
        self.stdout.write(f"Seeded {result.business.name} in {result.seconds:.1f} s: {counts}.")
        slug_domain = result.owner_email.split("@", 1)[1]
        self.stdout.write(
            self.style.SUCCESS(
                "\nOpen http://127.0.0.1:8000/ and sign in\n"
                f"  owner: {result.owner_email} / {OWNER_PASSWORD}\n"
                f"  staff: sam@{slug_domain} / {STAFF_PASSWORD}\n"
            )
        )
