from __future__ import annotations

import pytest

from reputation.empathy import empathy_check
from tests.reputation.factories import ReviewFactory, scored

pytestmark = pytest.mark.django_db

GOOD = (
    "Hi Jane, thank you for telling us. We understand how frustrating the 40-minute wait "
    "was, and we're sorry. We've added a second barista at lunchtime. Please e-mail me at "
    "mia@a.example so we can talk it through."
)


@pytest.fixture
def review(business_a):
    made = ReviewFactory(
        business=business_a, rating=1, text="Waited 40 minutes for a lukewarm latte."
    )
    return scored(made, "negative", -0.6, {"wait_time": -0.6})


def result(text: str, review) -> dict[str, bool]:
    return {check.key: check.passed for check in empathy_check(text=text, review=review)}


def message(text: str, review, key: str) -> str:
    return next(c.message for c in empathy_check(text=text, review=review) if c.key == key)


def test_a_good_reply_passes_every_check(review):
    assert result(GOOD, review) == dict.fromkeys(
        ["feeling", "specific", "defensive", "promises", "next_step"], True
    )


class TestFeeling:
    @pytest.mark.parametrize(
        "text", ["We're so sorry.", "That sounds frustrating.", "I understand.", "Glad you came!"]
    )
    def test_feeling_words_pass(self, review, text):
        assert result(text, review)["feeling"] is True

    def test_a_reply_without_any_fails(self, review):
        assert result("Your order was logged. Call 01234 567890.", review)["feeling"] is False

    def test_a_word_inside_another_does_not_count(self, review):
        assert result("An unhappy outcome.", review)["feeling"] is False


class TestSpecific:
    def test_an_aspect_term_passes(self, review):
        assert result("Sorry about the waiting.", review)["specific"] is True

    def test_the_aspect_name_passes(self, review):
        assert result("Sorry about the wait time.", review)["specific"] is True

    def test_a_distinctive_word_of_the_review_passes(self, business_a):
        review = ReviewFactory(business=business_a, text="The croque monsieur was soggy.")
        assert result("Sorry the croque was not right.", review)["specific"] is True

    def test_a_generic_reply_fails_and_suggests_words(self, review):
        text = "Thank you for your review of your visit. We value your experience."
        assert result(text, review)["specific"] is False
        assert message(text, review, "specific") == (
            "Name their specific issue (for example: Wait time, Waited, minutes)."
        )

    def test_a_review_without_words_has_nothing_to_name(self, business_a):
        review = ReviewFactory(business=business_a, text="", rating=2)
        assert result("Thanks.", review)["specific"] is True


class TestDefensive:
    @pytest.mark.parametrize(
        ("text", "named"),
        [("You should have booked", "you should have"),
         ("As our policy clearly says", "our policy clearly"),
         ("It is not our fault", "not our fault"), ("Please calm down", "calm down"),
         ("As I said,", "as i said"), ("Unfortunately you arrived late", "unfortunately you")],
    )  # fmt: skip
    def test_blaming_phrases_fail_and_are_named(self, review, text, named):
        text = f"{text}. Sorry about the wait."
        assert result(text, review)["defensive"] is False
        assert f"“{named}”" in message(text, review, "defensive")

    def test_a_calm_reply_passes(self, review):
        assert result(GOOD, review)["defensive"] is True


class TestPromises:
    @pytest.mark.parametrize(
        "phrase",
        ["We guarantee it", "This will never happen again", "100% satisfaction",
         "We always serve on time", "We promise"],
    )  # fmt: skip
    def test_promises_fail(self, review, phrase):
        assert result(f"Sorry. {phrase}.", review)["promises"] is False

    def test_saying_what_changes_passes(self, review):
        assert result("We've added a second barista at lunchtime.", review)["promises"] is True


class TestNextStep:
    @pytest.mark.parametrize(
        "text",
        ["Please contact me.", "Give us a call.", "Write to mia@a.example", "Ring 020 7946 0018",
         "We hope you come back.", "Please get in touch."],
    )  # fmt: skip
    def test_a_way_to_reach_us_passes(self, review, text):
        assert result(text, review)["next_step"] is True

    def test_a_reply_that_ends_the_conversation_fails(self, review):
        assert result("We are sorry about the wait.", review)["next_step"] is False
