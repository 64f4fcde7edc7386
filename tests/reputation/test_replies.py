from __future__ import annotations

import pytest

from reputation.empathy import empathy_check
from reputation.replies import MIXED, NEGATIVE, POSITIVE, first_name, reply_draft, tone_of
from reputation.selectors import aspect_names_of
from tests.factories import UserFactory
from tests.reputation.factories import ReviewFactory, scored

pytestmark = pytest.mark.django_db

APOLOGY_WORDS = ("sorry", "apolog")


def draft(review, author=None) -> str:
    names = aspect_names_of(business=review.business)
    return reply_draft(review=review, aspect_names=names, author=author)


def apologises(text: str) -> bool:
    return any(word in text.lower() for word in APOLOGY_WORDS)


class TestShape:
    def test_a_happy_review_is_thanked_by_name_with_what_they_liked(self, business_a, mia):
        review = scored(ReviewFactory(business=business_a, rating=5, author_name="Jane S."),
                        "positive", 0.8, {"quality": 0.7, "staff": 0.5})  # fmt: skip
        text = draft(review, author=mia)
        assert text.splitlines()[0] in {"Hi Jane,", "Hello Jane,", "Dear Jane,"}
        assert "thank" in text.lower()
        assert "quality and staff friendliness" in text
        assert not apologises(text)
        assert "mia@a.example" in text
        assert text.rstrip().endswith("Mia, Alice's Café")

    def test_an_unhappy_review_gets_an_apology_and_a_direct_line(self, business_a, mia):
        review = scored(ReviewFactory(business=business_a, rating=1, text="Waited 40 minutes."),
                        "negative", -0.6, {"wait_time": -0.6})  # fmt: skip
        text = draft(review, author=mia)
        assert apologises(text)
        assert "wait time" in text
        assert "mia@a.example" in text
        assert "fault" not in text.lower()

    @pytest.mark.parametrize(
        ("rating", "label", "tone", "apology"),
        [
            (5, "positive", POSITIVE, False),
            (4, "neutral", POSITIVE, False),
            (4, "negative", MIXED, True),
            (3, "positive", MIXED, True),
            (2, "positive", NEGATIVE, True),
            (1, "negative", NEGATIVE, True),
            (None, "positive", POSITIVE, False),
            (None, "neutral", MIXED, False),
            (None, "negative", NEGATIVE, True),
        ],
    )
    def test_the_tone_and_the_apology_follow_rating_and_sentiment(
        self, business_a, rating, label, tone, apology
    ):
        review = scored(ReviewFactory(business=business_a, rating=rating), label, 0.0)
        assert tone_of(review) == tone
        assert apologises(draft(review)) is apology

    def test_without_an_author_the_business_signs_and_offers_a_way_back(self, business_a):
        review = scored(ReviewFactory(business=business_a, rating=2), "negative", -0.5)
        text = draft(review, author=None)
        assert "The team at Alice's Café" in text
        assert "contact Alice's Café" in text

    @pytest.mark.parametrize("name", ["A Google user", "", "   ", "Anonymous"])
    def test_no_name_means_no_made_up_name(self, business_a, name):
        review = ReviewFactory(business=business_a, author_name=name)
        assert draft(review).splitlines()[0] in {"Hello,", "Hi there,"}

    def test_first_names_are_cut_from_what_the_site_shows(self):
        assert first_name("Jane S.") == "Jane"
        assert first_name("  O'Brien,  Tom ") == "O'Brien"
        assert first_name("A Google user") == ""


class TestVariety:
    def test_the_same_review_always_gets_the_same_draft(self, business_a, mia):
        review = scored(ReviewFactory(business=business_a, rating=1), "negative", -0.5)
        assert draft(review, mia) == draft(review, mia)

    def test_reviews_alike_do_not_all_get_the_same_words(self, business_a, mia):
        reviews = [
            scored(ReviewFactory(business=business_a, rating=1), "negative", -0.5,
                   {"wait_time": -0.5})
            for _ in range(12)
        ]  # fmt: skip
        assert len({draft(review, mia) for review in reviews}) >= 4


class TestDraftsPassTheEmpathyCheck:
    @pytest.mark.parametrize(
        ("rating", "label", "aspects"),
        [
            (5, "positive", {"quality": 0.6}),
            (4, "negative", {"quality": 0.4, "wait_time": -0.5}),
            (3, "neutral", {"price": -0.2}),
            (3, "neutral", {"quality": 0.3}),
            (1, "negative", {"cleanliness": -0.7, "price": -0.3}),
        ],
    )
    @pytest.mark.parametrize("signed", [True, False])
    def test_every_phrasing_passes(self, business_a, mia, rating, label, aspects, signed):
        for _ in range(6):  # enough reviews to meet most phrasings of each part
            review = scored(ReviewFactory(business=business_a, rating=rating), label, 0, aspects)
            text = draft(review, author=mia if signed else None)
            failed = [c.key for c in empathy_check(text=text, review=review) if not c.passed]
            assert failed == [], text
            assert "always" not in text.lower()


def test_aspects_the_business_removed_are_left_out(business_a):
    review = scored(ReviewFactory(business=business_a, rating=5), "positive", 0.5,
                    {"quality": 0.5, "gone_aspect": 0.4})  # fmt: skip
    text = draft(review, UserFactory(email="x@a.example"))
    assert "gone" not in text.lower() and "quality" in text
