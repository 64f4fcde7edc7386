"""A text's sentiment and aspects can be explained on screen from their inputs: the words
that drove the score with VADER's lexicon values and their weights here, the compound
score and the label's thresholds; each aspect's term list, the terms found and the
clauses they sit in. The expected figures come from VADER itself and from the business's
own aspect lists, not from the page."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.template.defaultfilters import floatformat
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer, normalize

from feedback.interactions.services import interaction_log
from feedback.models import Answer, FollowUpCase, InteractionChannel
from reputation.models import Review
from reputation.sources.services import source_create
from tests.helpers import answer
from textanalysis.analysis import NEGATIVE_AT, POSITIVE_AT
from textanalysis.models import Aspect
from textanalysis.services import texts_score

pytestmark = pytest.mark.django_db

MIXED = "The coffee was GREAT, but the staff were not friendly!"
VADER = SentimentIntensityAnalyzer()


def scored_comment(survey, text: str, capture) -> Answer:
    with capture(execute=True):
        response = answer(survey, 3, text)
    return Answer.objects.get(response=response, question__kind="text")


def section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</section>", start)]


def plain(html: str) -> str:
    """The words a reader sees, each element's text apart from the next."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def term_found(term: str, text: str) -> bool:
    """The aspect lists' notation read independently: "friendl*" is a word prefix."""
    words = r"\s+".join(re.escape(w) for w in term.rstrip("*").split())
    ending = r"\w*" if term.endswith("*") else r"\b"
    return re.search(rf"\b{words}{ending}", text, re.IGNORECASE) is not None


@pytest.fixture
def mixed(survey_a, django_capture_on_commit_callbacks):
    return scored_comment(survey_a, MIXED, django_capture_on_commit_callbacks)


class TestSentiment:
    def test_each_word_shows_its_lexicon_value_and_its_weight_here(self, mixed, alice, client_of):
        html = client_of(alice).get(f"/insights/why/answers/{mixed.uuid}/").content.decode()
        table = section(html, "why-sentiment")
        rows = re.findall(
            r"<tr><th scope=\"row\">(.*?)</th><td>(.*?)</td><td>(.*?)</td></tr>", table
        )
        shown = {word: (lexicon, weight) for word, lexicon, weight in rows}
        stored = mixed.sentiment_explanation["words"]
        assert len(shown) == len(stored) >= 2
        for start, end, weight in stored:
            word = MIXED[start:end]
            lexicon = VADER.lexicon[word.lower()]
            assert shown[word] == (floatformat(lexicon, 2), floatformat(weight, 3)), word
        # The weights are VADER's own: added up, with the "!" emphasis, they make its score.
        total = sum(weight for _, _, weight in stored)
        boost = VADER._amplify_ep(MIXED) + VADER._amplify_qm(MIXED)
        boost = boost if total > 0 else -boost
        vader = VADER.polarity_scores(MIXED)["compound"]
        assert round(normalize(total + boost), 3) == round(vader, 3)
        text = plain(table)
        assert f"Sum of the weights {floatformat(total, 3)}" in text
        assert f"Emphasis of “!” and “??” {floatformat(boost, 3)}" in text
        assert (
            f"x = {floatformat(total + boost, 3)}: {floatformat(normalize(total + boost), 3)}"
            in text
        )
        assert f"stored: {floatformat(vader, 4)}" in text

    def test_the_thresholds_and_the_label_they_give(self, mixed, alice, client_of):
        text = plain(client_of(alice).get(f"/insights/why/answers/{mixed.uuid}/").content.decode())
        assert (
            f"Positive at {floatformat(POSITIVE_AT, 2)} or above, negative at "
            f"{floatformat(NEGATIVE_AT, 2)} or below" in text
        )
        vader = VADER.polarity_scores(MIXED)["compound"]
        expected = (
            "Positive"
            if vader >= POSITIVE_AT
            else "Negative"
            if vader <= NEGATIVE_AT
            else "Neutral"
        )
        assert f"So {expected}" in text

    def test_a_text_in_another_language_says_why_it_has_no_score(
        self, survey_a, alice, client_of, django_capture_on_commit_callbacks
    ):
        spanish = scored_comment(
            survey_a, "El servicio fue muy lento y la comida estaba fría.",
            django_capture_on_commit_callbacks,
        )  # fmt: skip
        html = client_of(alice).get(f"/insights/why/answers/{spanish.uuid}/").content.decode()
        assert "not in English" in section(html, "why-sentiment")
        assert 'id="why-words"' not in html

    def test_customer_text_stays_text(
        self, survey_a, alice, client_of, django_capture_on_commit_callbacks
    ):
        nasty = scored_comment(
            survey_a, '<script>alert(1)</script> <img src=x onerror=alert(2)> awful service',
            django_capture_on_commit_callbacks,
        )  # fmt: skip
        html = client_of(alice).get(f"/insights/why/answers/{nasty.uuid}/").content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "awful" in section(html, "why-sentiment")


class TestAspects:
    def test_each_aspect_shows_its_terms_those_found_and_the_clauses(
        self, mixed, business_a, alice, client_of
    ):
        html = client_of(alice).get(f"/insights/why/answers/{mixed.uuid}/").content.decode()
        stored = mixed.sentiment_explanation["aspects"]
        aspects = Aspect.objects.filter(business=business_a, key__in=stored)
        assert len(aspects) == len(stored) >= 2
        for aspect in aspects:
            part = html[html.index(f'id="aspect-{aspect.key}"') :].split("</article>")[0]
            assert aspect.name in part
            assert floatformat(stored[aspect.key], 4) in part
            matched = [term for term in aspect.terms if term_found(term, MIXED)]
            assert matched
            for term in aspect.terms:
                marked = f'<mark class="word">{term}</mark>' in part
                assert marked is (term in matched), term
        staff = html[html.index('id="aspect-staff"') :].split("</article>")[0]
        assert "but the staff were not friendly!" in staff
        assert "The coffee was GREAT" not in staff  # the other clause belongs to quality

    def test_an_aspect_list_changed_since_scoring_is_shown_as_it_is_now(
        self, mixed, business_a, alice, client_of
    ):
        staff = Aspect.objects.get(business=business_a, key="staff")
        staff.terms = ["waiter", "barista"]
        staff.save()
        part = client_of(alice).get(f"/insights/why/answers/{mixed.uuid}/").content.decode()
        part = part[part.index('id="aspect-staff"') :].split("</article>")[0]
        assert "waiter, barista" in part and "None of them is in the text now" in part
        assert floatformat(mixed.sentiment_explanation["aspects"]["staff"], 4) in part


class TestWhoMaySee:
    def test_answers_are_explained_to_owners_and_managers(
        self, mixed, alice, mia, bob, charlie, business_b, client_of
    ):
        url = f"/insights/why/answers/{mixed.uuid}/"
        assert client_of(alice).get(url).status_code == 200
        assert client_of(mia).get(url).status_code == 200
        assert client_of(bob).get(url).status_code == 403
        assert client_of(charlie).get(url).status_code == 404

    def test_the_why_link_is_offered_to_those_who_may_open_it(
        self, survey_a, business_a, alice, bob, client_of, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = answer(survey_a, 1, "Terrible, rude and slow.")
        case = FollowUpCase.objects.get(response=response)
        comment = Answer.objects.get(response=response, question__kind="text")
        link = f"/insights/why/answers/{comment.uuid}/"
        assert link in client_of(alice).get(f"/cases/{case.uuid}/").content.decode()
        case.assignee = bob
        case.save()
        assert link not in client_of(bob).get(f"/cases/{case.uuid}/").content.decode()

    def test_staff_notes_are_explained_to_every_member(
        self, business_a, bob, alice, charlie, business_b, client_of,
        django_capture_on_commit_callbacks,
    ):  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            note = interaction_log(
                business=business_a, staff=bob, channel=InteractionChannel.IN_PERSON,
                note="Customer was furious about the cold food.",
            )  # fmt: skip
        note.refresh_from_db()
        url = f"/insights/why/interactions/{note.uuid}/"
        assert url in client_of(bob).get(f"/interactions/{note.uuid}/").content.decode()
        page = client_of(bob).get(url)
        assert page.status_code == 200
        for start, end, _ in note.sentiment_explanation["words"]:
            word = note.note[start:end]
            assert floatformat(VADER.lexicon[word.lower()], 2) in section(
                page.content.decode(), "why-sentiment"
            )
        assert client_of(charlie).get(url).status_code == 404

    def test_reviews_are_explained_to_every_member(
        self, business_a, bob, charlie, business_b, client_of
    ):
        source = source_create(business=business_a, provider="manual", values={"name": "Yelp"})
        review = Review.objects.create(
            business=business_a, source=source, external_id="r1", rating=2,
            text="Lovely room but a filthy bathroom.",
        )  # fmt: skip
        texts_score(model=Review, ids=[review.pk])
        review.refresh_from_db()
        url = f"/insights/why/reviews/{review.uuid}/"
        html = client_of(bob).get(url).content.decode()
        assert floatformat(VADER.polarity_scores(review.text)["compound"], 4) in html
        assert 'id="aspect-cleanliness"' in html
        assert client_of(charlie).get(url).status_code == 404
        assert (
            client_of(bob)
            .get("/insights/why/reviews/00000000-0000-0000-0000-000000000000/")
            .status_code
            == 404
        )
