"""Run the local stand-in for the review sites, for the demo (`make demo` starts it)."""

from __future__ import annotations

import random
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reputation.providerserver import ProviderServer
from reputation.providerserver.demo import DEMO_IDS, DEMO_PORT, new_review, starting_reviews

MIN_EVERY = 1.0


class Command(BaseCommand):
    help = (
        "Serve demo reviews in the shapes of Google, Yelp, Trustpilot, Tripadvisor and an "
        "RSS feed on 127.0.0.1, adding a new review every few seconds."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=DEMO_PORT, help="Port (default 8765).")
        parser.add_argument(
            "--every", type=float, default=60.0,
            help="Seconds between new reviews (default 60; 0 adds none).",
        )  # fmt: skip
        parser.add_argument("--seed", type=int, default=7, help="Same seed, same reviews.")

    def handle(self, *args, port: int, every: float, seed: int, **options) -> None:
        if not 0 <= port <= 65535:
            raise CommandError(f"--port must be 0 to 65535, not {port}.")
        if every and every < MIN_EVERY:
            raise CommandError(f"--every must be 0 or at least {MIN_EVERY:g} seconds.")
        rng = random.Random(seed)
        server = self._start(port)
        for provider, reviews in starting_reviews(rng).items():
            server.put_reviews(provider, DEMO_IDS[provider], reviews)
        self.stdout.write(f"Review sites answering at {server.url} (Ctrl-C stops).")
        self.stdout.flush()
        try:
            self._add_reviews(server, rng, every)
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()

    def _start(self, port: int) -> ProviderServer:
        try:
            return ProviderServer(port=port).start()
        except OSError as error:
            raise CommandError(
                f"Cannot listen on 127.0.0.1:{port} ({error.strerror}); is it already running? "
                "Choose another with --port."
            ) from None

    def _add_reviews(self, server: ProviderServer, rng: random.Random, every: float) -> None:
        providers = list(DEMO_IDS)
        turn = 0
        while True:
            time.sleep(every or 3600)
            if not every:
                continue
            provider = providers[turn % len(providers)]
            turn += 1
            review = new_review(rng)
            server.add_review(provider, DEMO_IDS[provider], review)
            self.stdout.write(f"New {review.rating}★ review on {provider}: {review.title}")
            self.stdout.flush()  # shown at once even when the output is a pipe or a file
