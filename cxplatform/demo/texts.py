"""Customer words that read like real ones: built from phrase banks, never a fixed list.

Each comment combines an opener, one to three aspect phrases in the tone of the score,
sometimes a closer, then a little noise (typos, emoji, lower case, missing full stops),
so a million comments are varied while a given seed always gives the same ones.
"""

from __future__ import annotations

import random

ASPECT_PHRASES: dict[str, dict[str, list[str]]] = {
    "positive": {
        "coffee": [
            "the flat white was perfect",
            "best coffee in town",
            "the espresso is rich and smooth",
            "my latte was exactly how I like it",
            "great coffee as always",
        ],
        "food": [
            "the croissants are still warm in the morning",
            "loved the avocado toast",
            "the cakes are homemade and you can tell",
            "the soup of the day was delicious",
        ],
        "staff": [
            "the staff are so friendly",
            "Sam remembered my order",
            "the barista was lovely and patient with my kids",
            "really warm welcome at the counter",
            "Lena went out of her way to help",
        ],
        "wait": [
            "served in a couple of minutes even at rush hour",
            "quick service",
            "no queue at all this morning",
        ],
        "price": [
            "fair prices for the quality",
            "good value for money",
            "the loyalty card is a nice touch",
        ],
        "place": [
            "the place is spotless",
            "cosy and quiet, perfect for working",
            "lovely music and comfy chairs",
            "the terrace is great in the sun",
        ],
        "wifi": ["wifi is fast and free", "plenty of sockets for laptops"],
        "takeaway": [
            "my takeaway order was ready when I arrived",
            "the delivery came hot and on time",
        ],
    },
    "negative": {
        "coffee": [
            "the coffee was cold",
            "my cappuccino tasted burnt",
            "they got my order wrong twice",
            "the milk was not steamed properly",
        ],
        "food": [
            "the sandwich was stale",
            "the cake was dry",
            "there was a hair in my salad",
            "nothing gluten free left by noon",
        ],
        "staff": [
            "the staff were rude",
            "nobody said hello",
            "the guy at the till was on his phone the whole time",
            "I felt ignored at the counter",
        ],
        "wait": [
            "we waited 40 minutes for two coffees",
            "the queue was out the door and only one person serving",
            "waited ages for the bill",
            "slow service again",
        ],
        "price": [
            "way too expensive for what you get",
            "£4.80 for a small latte is a joke",
            "they charged me twice",
            "prices went up again",
        ],
        "place": [
            "the tables were sticky",
            "the toilets were dirty",
            "too loud to hear each other",
            "nowhere to sit",
        ],
        "wifi": ["the wifi never works", "no sockets anywhere"],
        "takeaway": [
            "my delivery arrived an hour late and cold",
            "the takeaway cup leaked all over my bag",
        ],
    },
    "neutral": {
        "coffee": ["the coffee was ok", "coffee was fine, nothing special"],
        "food": ["food was alright", "the menu is a bit small"],
        "staff": ["staff were fine", "service was normal"],
        "wait": ["a bit of a wait at lunchtime", "usual queue"],
        "price": ["prices are average for the area", "a bit pricey but ok"],
        "place": ["it was busy", "the place is ok"],
        "wifi": ["wifi was a bit slow", "wifi ok"],
        "takeaway": ["takeaway was ok", "delivery took the usual time"],
    },
}

ALL_COMPLAINTS = [phrase for group in ASPECT_PHRASES["negative"].values() for phrase in group]

OPENERS = {
    "positive": [
        "Absolutely love this place!",
        "Great experience.",
        "My favourite café.",
        "Came here with friends on Saturday.",
        "Been coming here for years.",
        "",
    ],
    "neutral": ["It was ok.", "Mixed feelings.", "Decent.", "Came in for a quick coffee.", ""],
    "negative": [
        "Really disappointed.",
        "Not happy at all.",
        "Worst visit so far.",
        "I don't usually complain but",
        "Honestly shocked.",
        "",
    ],
}

CLOSERS = {
    "positive": [
        "Will definitely be back!",
        "Keep it up!",
        "Highly recommend.",
        "Thank you!",
        "10/10",
    ],
    "neutral": ["Might come back.", "We'll see.", "Could be better.", "Fine for a quick stop."],
    "negative": [
        "Never again.",
        "I want a refund.",
        "Won't be coming back.",
        "Please sort it out.",
        "Very disappointing.",
    ],
}

SHORT = {
    "positive": ["great", "love it", "perfect ☕", "amazing!!", "best café 👍🏽", "❤️", "yum"],
    "neutral": ["ok", "fine", "meh", "average", "nothing to add"],
    "negative": ["bad", "awful", "too slow", "rude staff", "overpriced", "👎"],
}

EMOJI = {
    "positive": ["😊", "👍🏽", "❤️", "☕", "🥐", "✨", "🙌", "😍"],
    "neutral": ["🤷", "😐", "🙂"],
    "negative": ["😡", "👎", "😤", "🤢", "😞"],
}

TYPOS = {
    "definitely": "definately",
    "received": "recieved",
    "coffee": "coffe",
    "really": "realy",
    "because": "becuase",
    "friendly": "freindly",
    "waited": "waitted",
    "delicious": "delicous",
    "the": "teh",
}

JOINERS = [", ", " and ", ". "]


def tone_for_score(rng: random.Random, score: int) -> str:
    """Mostly the score's tone; now and then a promoter grumbles or a detractor is kind."""
    if score >= 9:
        return rng.choices(["positive", "neutral", "negative"], [0.86, 0.1, 0.04])[0]
    if score >= 7:
        return rng.choices(["positive", "neutral", "negative"], [0.4, 0.4, 0.2])[0]
    return rng.choices(["positive", "neutral", "negative"], [0.05, 0.2, 0.75])[0]


def comment_for_score(rng: random.Random, score: int) -> str:
    tone = tone_for_score(rng, score)
    if rng.random() < 0.15:
        return rng.choice(SHORT[tone])
    # Mixed: a passive or a kind detractor praises and complains in one breath.
    mixed = tone != "negative" and score <= 8 and rng.random() < 0.3
    return add_noise(rng, compose(rng, tone, mixed=mixed), tone)


def compose(rng: random.Random, tone: str, *, mixed: bool = False) -> str:
    aspects = rng.sample(list(ASPECT_PHRASES[tone]), k=rng.choice([1, 1, 2, 2, 3]))
    phrases = [rng.choice(ASPECT_PHRASES[tone][aspect]) for aspect in aspects]
    body = phrases[0]
    for phrase in phrases[1:]:
        joiner = rng.choice(JOINERS)
        body += joiner + (phrase[0].upper() + phrase[1:] if joiner == ". " else phrase)
    if mixed:
        body += " but " + rng.choice(ALL_COMPLAINTS)
    opener = rng.choice(OPENERS[tone])
    text = f"{opener} {sentence(body)}".strip()
    if rng.random() < 0.6:
        text += " " + rng.choice(CLOSERS["negative" if mixed else tone])
    return text


def sentence(text: str) -> str:
    text = text[0].upper() + text[1:]
    return text if text.endswith(("!", ".", "?")) else text + "."


def add_noise(rng: random.Random, text: str, tone: str) -> str:
    if rng.random() < 0.25:
        text = typo(rng, text)
    if rng.random() < 0.2:
        text = text.lower()
    if rng.random() < 0.15:
        text = text.rstrip(".")
    if rng.random() < 0.3:
        text += " " + "".join(rng.choices(EMOJI[tone], k=rng.choice([1, 1, 2, 3])))
    return text


def typo(rng: random.Random, text: str) -> str:
    words = [word for word in TYPOS if word in text]
    if not words:
        return text.replace("!", "!!", 1) if "!" in text else text
    word = rng.choice(words)
    return text.replace(word, TYPOS[word], 1)


INTERACTIONS = [
    # (note, mood, outcome, follow-up needed, tone)
    (
        "Regular asked about oat milk options, happy with the new barista blend.",
        "delighted",
        "Answered",
        False,
    ),
    (
        "Customer complained the latte was cold; remade it and apologised.",
        "frustrated",
        "Remade the drink",
        False,
    ),
    (
        "Phoned to book the back room for a birthday on Saturday for 12 people.",
        "content",
        "Booked",
        False,
    ),
    (
        "Angry about being charged twice on the card machine. Wants a refund.",
        "angry",
        "Refund requested",
        True,
    ),
    (
        "Asked whether the cakes contain nuts; showed the allergen sheet.",
        "neutral",
        "Informed",
        False,
    ),
    (
        "Delivery order arrived 50 minutes late and cold, customer very upset.",
        "angry",
        "Voucher offered",
        True,
    ),
    (
        "Lovely chat with a tourist who loved the croissants and asked for directions.",
        "delighted",
        "Helped",
        False,
    ),
    (
        "Customer said the toilets were dirty; cleaned them straight away.",
        "frustrated",
        "Fixed",
        False,
    ),
    (
        "Complained on Instagram that we ran out of gluten-free options by noon.",
        "frustrated",
        "Replied with apology",
        True,
    ),
    ("Asked for a receipt for expenses, sent by e-mail.", "content", "Sent", False),
    ("Said the music was too loud while working; turned it down.", "neutral", "Adjusted", False),
    (
        "Loyal customer upset the loyalty card stamps were not counted, says never again.",
        "angry",
        "Manager to call back",
        True,
    ),
]


def interaction_for(rng: random.Random) -> tuple[str, str, str, bool]:
    note, mood, outcome, follow_up = rng.choice(INTERACTIONS)
    if rng.random() < 0.3:
        note = add_noise(rng, note, "negative" if mood in {"angry", "frustrated"} else "positive")
    return note, mood, outcome, follow_up
