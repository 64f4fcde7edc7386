from __future__ import annotations

import argparse

from django.core.management.base import BaseCommand, CommandParser

from cxplatform.demo.seed import (
    DEFAULT_NAME,
    DEFAULT_SEED,
    MIN_SCALE,
    OWNER_PASSWORD,
    STAFF_PASSWORD,
    SeedResult,
    seed_demo,
)

# Where `make demo` serves the site (runserver), whatever SITE_URL says.
DEMO_URL = "http://127.0.0.1:8000/"


def scale_value(text: str) -> float:
    try:
        scale = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if scale < MIN_SCALE:
        raise argparse.ArgumentTypeError(f"use at least {MIN_SCALE}")
    return scale


class Command(BaseCommand):
    help = (
        "Build (or rebuild) a realistic demo business: owner, staff, locations, customers, "
        "two years of purchases, survey responses and staff interactions."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale", type=scale_value, default=1.0,
            help="1 = 500 customers, 2,000 purchases, 1,000 responses, 100 interactions "
            f"(at least {MIN_SCALE}).",
        )  # fmt: skip
        parser.add_argument("--name", default=DEFAULT_NAME, help="The business's name.")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Same seed, same data.")
        parser.add_argument(
            "--skip-scoring", action="store_true",
            help="Leave comments unscored (the benchmarks score them themselves).",
        )  # fmt: skip

    def handle(self, *args, scale: float, name: str, seed: int, skip_scoring: bool, **options):
        result = seed_demo(scale=scale, name=name, seed=seed, score=not skip_scoring)
        self.stdout.write(summary(result, scored=not skip_scoring))
        self.stdout.write(self.style.SUCCESS(login_lines(result)))


def summary(result: SeedResult, *, scored: bool) -> str:
    counts = ", ".join(f"{count:,} {kind}" for kind, count in result.counts.items())
    scoring = "comments sent for scoring" if scored else "comments left unscored"
    rate = result.rows_written / max(result.seconds, 0.001)
    return (
        f"Seeded {result.business.name} in {result.seconds:.1f} s "
        f"({result.rows_written:,} rows, {rate:,.0f} rows/s): {counts}; {scoring}."
    )


def login_lines(result: SeedResult) -> str:
    staff = ", ".join(result.staff_emails)
    return (
        f"\nOpen {DEMO_URL} and sign in\n"
        f"  owner: {result.owner_email} / {OWNER_PASSWORD}\n"
        f"  staff: {staff} / {STAFF_PASSWORD}\n"
    )
