"""What the demo's review sites say: a few weeks of café reviews per site, and a new
one now and then (one in five of them unhappy) so polling shows live arrivals.

The demo business's review sources (cxplatform/demo/reviews.py) point at the server
the `review_provider_server` command runs, with these ids and credentials.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from itertools import count

from .core import SiteReview

DEMO_PORT = 8765
DEMO_URL = f"http://127.0.0.1:{DEMO_PORT}"
# The business's id on each site, in that site's own form.
DEMO_IDS: dict[str, str] = {
    "google": "accounts/demo/locations/1",
    "yelp": "demo-yelp",
    "trustpilot": "demo-trustpilot",
    "tripadvisor": "12345",
    "feed": "demo",
}
# Credentials the server accepts by default.
DEMO_SECRETS: dict[str, dict[str, str]] = {
    "google": {
        "access_token": "google-access-token",
        "refresh_token": "google-refresh-token",
        "client_id": "demo-client-id",
        "client_secret": "demo-client-secret",
    },
    "yelp": {"api_key": "yelp-key"},
    "trustpilot": {
        "api_key": "tp-key",
        "business_user_token": "tp-business-token",
        "business_user_id": "demo-business-user",
    },
    "tripadvisor": {"api_key": "ta-key"},
    "feed": {},
}

HAPPY = (
    (
        5,
        "Best flat white in town",
        "The flat white was silky and the almond croissant still warm. Friendly staff who"
        " remembered my name on the second visit.",
    ),
    (
        5,
        "Lovely spot",
        "Cosy corner by the window, great playlist and the banana bread is dangerously "
        "good. Will be back on Saturday.",
    ),
    (
        4,
        "Good coffee, busy at lunch",
        "Coffee is excellent and the soup of the day was tasty. It gets crowded at "
        "lunchtime so expect a short wait.",
    ),
    (
        5,
        "Perfect for working",
        "Fast wifi, plenty of sockets and nobody rushes you. The oat latte is the best I have had.",
    ),
    (
        4,
        "Nice brunch",
        "Eggs were perfectly poached and the sourdough is baked in house. A bit pricey "
        "but worth it.",
    ),
    (
        5,
        "Wonderful staff",
        "Sam made my daughter a babyccino with extra marshmallows and a smile. Such a "
        "welcoming place.",
    ),
    (
        4,
        "Great cakes",
        "The lemon drizzle is moist and not too sweet. Seating is a little cramped.",
    ),
    (
        3,
        "Fine but slow",
        "The cappuccino was good but it took fifteen minutes on a quiet morning. Staff "
        "were friendly though.",
    ),
    (
        3,
        "Decent",
        "Nice atmosphere, average sandwich. The kiosk at the station is handy when you "
        "are in a hurry.",
    ),
)
UNHAPPY = (
    (
        1,
        "Rude and cold",
        "Waited twenty minutes, the latte arrived cold and the barista rolled his eyes "
        "when I asked for a new one. Not coming back.",
    ),
    (
        2,
        "Overpriced",
        "Six pounds for a small sandwich that was soggy. The coffee was fine but the "
        "value is terrible.",
    ),
    (
        1,
        "Charged twice",
        "I was charged twice on my card and nobody at the counter could help. Still "
        "waiting for a refund.",
    ),
    (
        2,
        "Dirty tables",
        "Every table had crumbs and spilled milk, and the bin by the door was "
        "overflowing. Disappointing.",
    ),
    (
        1,
        "Hair in my food",
        "Found a hair in my panini. The staff apologised but did not offer a replacement "
        "or refund.",
    ),
)
AUTHORS = (
    "Priya S.", "Tom W.", "Aisha K.", "Jonas M.", "Chloé D.", "Ben O.", "Mei L.",
    "Carlos R.", "Hannah P.", "Olu A.", "Sofia G.", "Liam B.", "Fatima Z.", "Nils E.",
)  # fmt: skip
REPLIES = {
    5: "Thank you so much! We look forward to seeing you again.",
    4: "Thanks for the kind words, we are working on making lunch quicker.",
}

_ids = count(1)


def site_review(rng: random.Random, *, created: datetime, unhappy: bool) -> SiteReview:
    rating, title, text = rng.choice(UNHAPPY if unhappy else HAPPY)
    return SiteReview(
        id=f"demo-{next(_ids)}-{rng.randrange(10**6)}",
        rating=rating,
        text=text,
        author=rng.choice(AUTHORS),
        title=title,
        created=created,
    )


def starting_reviews(rng: random.Random, *, per_site: int = 8) -> dict[str, list[SiteReview]]:
    """A few weeks of reviews per site, older ones sometimes already answered on the site."""
    now = datetime.now(UTC).replace(microsecond=0)
    reviews: dict[str, list[SiteReview]] = {}
    for provider in DEMO_IDS:
        site = []
        for index in range(per_site):
            created = now - timedelta(days=3 * (per_site - index), hours=rng.randrange(12))
            review = site_review(rng, created=created, unhappy=rng.random() < 0.2)
            if index < per_site // 2 and review.rating in REPLIES and provider != "feed":
                review.reply = REPLIES[review.rating]
                review.reply_at = created + timedelta(hours=5)
            site.append(review)
        reviews[provider] = site
    return reviews


def new_review(rng: random.Random) -> SiteReview:
    """One arriving now: one in five is a one- or two-star review."""
    return site_review(rng, created=datetime.now(UTC), unhappy=rng.random() < 0.2)
