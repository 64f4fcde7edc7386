"""Phrase banks for demo comments and notes: what café customers really write about.

Phrases hold {slots} (a drink, a pastry, a wait in minutes...) filled at random, so each
bank line stands for dozens of sentences. Words in TYPOS are seeded on purpose: phrases
use "definitely", "received", "coffee" and friends so the misspellings have somewhere
to happen.
"""

from __future__ import annotations

SLOTS: dict[str, list[str]] = {
    "drink": [
        "flat white", "oat latte", "cappuccino", "americano", "cortado", "chai latte",
        "hot chocolate", "mocha", "iced latte", "double espresso", "matcha latte",
        "filter coffee", "macchiato", "decaf latte", "turmeric latte", "cold brew",
    ],
    "food": [
        "croissant", "banana bread", "avocado toast", "almond croissant", "cinnamon bun",
        "cheese toastie", "carrot cake", "bacon roll", "granola bowl", "soup of the day",
        "brownie", "scone", "lemon drizzle", "veggie wrap", "pain au chocolat", "quiche",
    ],
    "minutes": ["10", "12", "15", "20", "25", "30", "35", "40", "45"],
    "person": [
        "Sam", "Lena", "the barista", "the girl at the till", "the guy on the coffee machine",
        "the new lad", "the manager", "the lady who runs it", "the young man at the counter",
    ],
    "when": [
        "on Saturday morning", "at lunchtime", "this morning", "on my way to work",
        "last Sunday", "after the school run", "on a rainy Tuesday", "before my train",
        "yesterday afternoon", "on my lunch break", "first thing", "late on Friday",
    ],
    "company": [
        "with my partner", "with the kids", "with a friend", "on my own", "with colleagues",
        "with my mum", "with the dog", "with my study group", "for a work meeting",
    ],
    "price": ["€3.80", "€4.20", "€4.50", "€4.90", "€5.20", "€6.50", "€9", "€12"],
    "count": ["two", "three", "four", "a couple of", "a few"],
}  # fmt: skip

# Aspect -> full phrases (no final stop) for each tone.
ASPECTS: dict[str, dict[str, list[str]]] = {
    "positive": {
        "coffee": [
            "the {drink} was perfect",
            "best {drink} in town",
            "the coffee is so good",
            "my {drink} was exactly how I like it",
            "great coffee as always",
            "they make a really good {drink}",
            "the coffee is definitely the best around",
            "proper coffee, not the burnt chain stuff",
            "the latte art made my day",
        ],
        "food": [
            "the {food} was still warm",
            "loved the {food}",
            "the cakes are homemade and you can tell",
            "the {food} was delicious",
            "really generous portions",
            "the {food} is to die for",
            "great veggie and vegan options",
        ],
        "staff": [
            "the staff are so friendly",
            "{person} remembered my order",
            "{person} was lovely",
            "{person} was really patient with my kids",
            "such a warm welcome at the counter",
            "{person} went out of their way to help",
            "friendly staff who actually smile",
        ],
        "wait": [
            "served in a couple of minutes even at rush hour",
            "really quick service",
            "no queue at all",
            "my order was ready before I'd even paid",
            "fast even when it's busy",
        ],
        "price": [
            "fair prices for the quality",
            "good value for money",
            "the loyalty card is a nice touch",
            "cheaper than the chains and way better",
            "{price} for a {drink} and a {food}, bargain",
        ],
        "place": [
            "the place is spotless",
            "cosy and quiet, perfect for working",
            "lovely music and comfy chairs",
            "the terrace is great in the sun",
            "always a table free",
            "it's really clean and bright",
        ],
        "wifi": [
            "the wifi is fast and free",
            "plenty of sockets for laptops",
            "great spot to work from",
        ],
        "takeaway": [
            "my takeaway was ready when I arrived",
            "the delivery came hot and on time",
            "I received my order in {minutes} minutes",
            "the app order was spot on",
        ],
    },
    "neutral": {
        "coffee": [
            "the coffee was ok",
            "coffee was fine, nothing special",
            "the {drink} was alright",
        ],
        "food": ["the food was alright", "the menu is a bit small", "the {food} was ok"],
        "staff": ["the staff were fine", "service was normal", "{person} was polite enough"],
        "wait": ["a bit of a wait at lunchtime", "the usual queue", "took about {minutes} minutes"],
        "price": [
            "prices are average for the area",
            "a bit pricey but ok",
            "{price} for a {drink} is about normal",
        ],
        "place": ["it was busy", "the place is ok", "a bit noisy but fine"],
        "wifi": ["the wifi was a bit slow", "wifi works most of the time"],
        "takeaway": ["the takeaway was ok", "delivery took the usual time"],
    },
    "negative": {
        "coffee": [
            "the coffee was cold and bitter",
            "my {drink} tasted burnt, horrible",
            "they got my order wrong twice",
            "the milk was not steamed properly",
            "the {drink} was weak and tasteless",
            "asked for oat milk and got dairy, not happy",
        ],
        "food": [
            "the {food} was stale",
            "the cake was dry",
            "there was a hair in my salad",
            "nothing gluten free left by noon",
            "the {food} was microwaved and soggy",
            "they ran out of {food} at 10am, annoying",
        ],
        "staff": [
            "the staff were rude",
            "nobody said hello",
            "{person} was on their phone the whole time",
            "I felt ignored at the counter",
            "{person} rolled their eyes when I asked a question",
            "{person} was really unfriendly",
        ],
        "wait": [
            "we waited {minutes} minutes for {count} coffees",
            "the queue was out the door with one person serving",
            "waited ages for the bill",
            "slow service again",
            "{minutes} minutes for a {drink}, ridiculous",
        ],
        "price": [
            "way too expensive for what you get",
            "{price} for a small {drink} is a rip-off",
            "they charged me twice and nobody apologised",
            "prices went up again",
            "{price} for a {food}, no thanks",
        ],
        "place": [
            "the tables were sticky",
            "the toilets were dirty",
            "too loud to hear each other",
            "nowhere to sit, awful",
            "the bins were overflowing",
            "it was freezing inside",
        ],
        "wifi": [
            "the wifi never works",
            "no sockets anywhere, useless",
            "the wifi kept dropping, so annoying",
        ],
        "takeaway": [
            "my delivery arrived an hour late and cold",
            "the takeaway cup leaked all over my bag",
            "I received the wrong order",
            "half my order was missing, terrible",
        ],
    },
}

# After asking for help (a complaint, a refund, a lost booking): what the help was like.
HELP: dict[str, list[str]] = {
    "positive": [
        "{person} sorted out my refund the same day, brilliant",
        "rang about a wrong order and they fixed it straight away, great service",
        "the manager called me back within the hour, really helpful",
        "they apologised and sent a voucher, lovely gesture",
        "quick reply to my email and a full refund, thank you",
        "{person} was so kind and helpful when my order went wrong",
        "they found my lost booking and gave us a better table, amazing",
    ],
    "neutral": [
        "got a reply after a couple of days",
        "it was sorted in the end",
        "they answered my email, nothing more",
        "the refund came through eventually",
        "had to explain the problem twice but it got done",
        "the voucher was fine I suppose",
    ],
    "negative": [
        "emailed about being charged twice and nobody bothered to reply, useless",
        "still waiting for my refund after {count} weeks, ridiculous",
        "nobody answers the phone, terrible",
        "the manager promised to call back and never did, so disappointed",
        "complained about a cold {drink} and got a rude shrug",
        "passed from one person to another, awful",
        "they blamed me for their own mistake, really unfair",
        "waited {minutes} minutes on hold, pathetic",
        "the voucher they sent doesn't even work, so annoying",
    ],
}

# Two-to-four word versions, for terse comments like "coffee great, staff rude".
TERSE: dict[str, list[str]] = {
    "positive": [
        "coffee great", "lovely staff", "great {drink}", "food amazing", "quick service",
        "good value", "nice vibe", "super clean", "friendly staff", "fab {food}",
        "fast wifi", "cosy", "coffee spot on", "{food} was lush",
    ],
    "neutral": [
        "coffee ok", "staff fine", "bit busy", "average prices", "food ok", "ok wifi",
        "nothing special", "usual queue",
    ],
    "negative": [
        "slow service", "rude staff", "cold coffee", "overpriced", "dirty tables",
        "wifi rubbish", "long queue", "stale {food}", "waited {minutes} mins", "order wrong",
    ],
}  # fmt: skip

SHORT: dict[str, list[str]] = {
    "positive": [
        "great", "love it", "perfect ☕", "amazing!!", "best café 👍🏽", "❤️", "yum", "10/10",
        "lovely", "brilliant", "the best", "always good", "great coffee", "so good 😍", "fab",
    ],
    "neutral": ["ok", "fine", "meh", "average", "nothing to add", "it's ok", "not bad", "n/a", "-"],
    "negative": ["bad", "awful", "too slow", "rude staff", "overpriced", "👎", "cold coffee", "no"],
}  # fmt: skip

OPENERS: dict[str, list[str]] = {
    "positive": [
        "Absolutely love this place!", "Great experience.", "My favourite café.",
        "Been coming here for years.", "Such a gem.", "What a find!", "Never disappoints.",
        "Hidden gem on the high street.",
    ],
    "neutral": [
        "It was ok.", "Mixed feelings.", "Decent.", "Came in for a quick coffee.",
        "Not bad, not great.", "First visit.",
    ],
    "negative": [
        "Really disappointed.", "Not happy at all.", "Worst visit so far.",
        "I don't usually complain but", "Honestly awful.", "Sad to say it has gone downhill.",
        "What happened to this place?",
    ],
}  # fmt: skip

VISITS = [
    "Came in {when} {company}.", "Popped in {when}.", "Went {when} {company}.",
    "Stopped by {when} for a {drink}.", "Had breakfast here {when} {company}.",
    "Ordered a {drink} and a {food} {when}.",
]  # fmt: skip

CLOSERS: dict[str, list[str]] = {
    "positive": [
        "Will definitely be back!", "Keep it up!", "Highly recommend.", "Thank you!", "10/10",
        "Can't wait to come back.", "Really recommend it to anyone nearby.", "Thanks team!",
    ],
    "neutral": [
        "Might come back.", "We'll see.", "Could be better.", "Fine for a quick stop.",
        "Would be nice to see more choice.",
    ],
    "negative": [
        "Never again.", "I want a refund.", "Won't be coming back.", "Terrible.",
        "Very disappointing.", "Really not good enough.", "Will not recommend.",
    ],
}  # fmt: skip

# Misspellings people really make, keyed by the word they meant.
TYPOS: dict[str, list[str]] = {
    "definitely": ["definately", "definetly", "defo"],
    "received": ["recieved"],
    "coffee": ["coffe", "cofee"],
    "really": ["realy", "rly"],
    "because": ["becuase", "cos"],
    "friendly": ["freindly", "friendley"],
    "delicious": ["delicous", "delish"],
    "waited": ["waitted"],
    "recommend": ["reccomend", "recomend"],
    "disappointed": ["dissapointed", "disapointed"],
    "minutes": ["mins", "minuets"],
    "cappuccino": ["capuccino", "cappucino"],
    "croissant": ["crossiant", "croisant"],
    "expensive": ["expencive"],
    "absolutely": ["absolutly"],
    "their": ["there"],
}

EMOJI: dict[str, list[str]] = {
    "positive": ["😊", "👍🏽", "👍", "❤️", "☕", "🥐", "✨", "🙌", "😍", "🔥", "👌🏻", "🥰"],
    "neutral": ["🤷", "🤷‍♀️", "😐", "🙂", "🤔"],
    "negative": ["😡", "👎", "👎🏼", "😤", "🙄", "😞", "🤬", "😒"],
}
