from __future__ import annotations

import random
import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q

from accounts.models import Business, Location, Membership, Role, User
from customers.models import Customer, Purchase
from cxplatform.demo.comments import comment_for_score
from cxplatform.demo.notes import SITUATIONS
from cxplatform.demo.phrases import EMOJI, TYPOS
from cxplatform.demo.seed import OWNER_PASSWORD, STAFF_PASSWORD, SeedResult, seed_demo
from feedback.answers import SCALES
from feedback.models import (
    Answer,
    FollowUpCase,
    Interaction,
    Mood,
    QuestionKind,
    Response,
    Survey,
)
from journeys.catalog import FOOD_DRINK
from journeys.models import Journey
from journeys.rollups import Filters, local_today
from journeys.selectors import journey_map

pytestmark = pytest.mark.django_db

TYPO_WORDS = {wrong for wrongs in TYPOS.values() for wrong in wrongs}
HELP_WORDS = re.compile(r"refund|voucher|repl|call|phone|e-?mail|complain|help|sorted|on hold")


@pytest.fixture
def demo() -> SeedResult:
    return seed_demo(scale=1, score=False)


@pytest.fixture
def scored_demo(django_capture_on_commit_callbacks) -> SeedResult:
    # Scoring is sent on commit; executing the callbacks runs the (eager) tasks.
    with django_capture_on_commit_callbacks(execute=True):
        return seed_demo(scale=1)


def comment_texts(business: Business) -> list[str]:
    answers = Answer.objects.filter(business=business).exclude(text="").order_by("created_at", "id")
    return list(answers.values_list("text", flat=True))


def responses_of(business: Business, moment: str) -> list[dict]:
    """The responses to the survey of a touchpoint key, each with its answers by kind
    ({"nps": 9, "text": "...", "choices": ["Yes"]}) and its conditional text's range."""
    answers = Answer.objects.filter(business=business, response__survey__touchpoint__key=moment)
    responses: dict[int, dict] = {}
    for response_id, kind, number, choices, text, low, high in answers.values_list(
        "response_id", "question__kind", "number", "choices", "text",
        "question__show_if_min", "question__show_if_max",
    ):  # fmt: skip
        answer = responses.setdefault(response_id, {})
        if kind == QuestionKind.TEXT:
            answer["text"], answer["text_if"] = text, (low, high)
        elif kind in SCALES:
            answer[kind] = number
        else:
            answer["choices"] = choices
    return list(responses.values())


def promoter_or_not(score: int) -> str:
    return "promoter" if score >= 9 else "detractor" if score <= 6 else "passive"


def mean(numbers: list[int]) -> float:
    return sum(numbers) / len(numbers)


def test_it_builds_the_demo_business_at_scale_1(demo):
    business = demo.business
    assert (business.name, business.industry, business.time_zone, business.language) == (
        "Bluebird Café",
        "food_drink",
        "Europe/London",
        "en",
    )
    assert Customer.objects.filter(business=business).count() == 500
    assert Purchase.objects.filter(business=business).count() == 2_000
    assert Response.objects.filter(business=business).count() == 1_000
    assert Interaction.objects.filter(business=business).count() == 100
    assert set(Location.objects.filter(business=business).values_list("name", flat=True)) >= {
        "High Street"
    }
    assert demo.counts["responses"] == 1_000


def test_it_creates_the_owner_and_two_staff_who_can_sign_in(demo):
    roles = dict(
        Membership.objects.filter(business=demo.business).values_list("user__email", "role")
    )
    assert roles == {
        "owner@bluebird.demo": Role.OWNER,
        "sam@bluebird.demo": Role.STAFF,
        "lena@bluebird.demo": Role.STAFF,
    }
    owner = User.objects.get(email="owner@bluebird.demo")
    assert owner.get_full_name() == "Maya Okafor"
    assert owner.check_password(OWNER_PASSWORD)
    assert User.objects.get(email="lena@bluebird.demo").check_password(STAFF_PASSWORD)


def test_every_comment_and_note_is_scored_through_the_pipeline(scored_demo):
    comments = Answer.objects.filter(business=scored_demo.business).exclude(text="")
    assert 550 <= comments.count() <= 750
    assert not comments.filter(sentiment_label="").exists()
    assert not comments.filter(scored_at=None).exists()
    labels = set(comments.values_list("sentiment_label", flat=True))
    assert (
        {"positive", "neutral", "negative"}
        <= labels
        <= {"positive", "neutral", "negative", "unscored"}
    )
    notes = Interaction.objects.filter(business=scored_demo.business)
    assert not notes.filter(sentiment_label="").exists()


def test_answers_happen_when_their_response_does(demo):
    answers = Answer.objects.filter(business=demo.business)
    assert answers.exclude(created_at=F("response__created_at")).count() == 0
    assert not answers.exclude(question__survey=F("response__survey")).exists()


def test_responses_spread_over_three_surveys_at_visit_purchase_and_support(demo):
    surveys = Survey.objects.filter(business=demo.business)
    assert dict(surveys.values_list("touchpoint__key", "template")) == {
        "visit": "",
        "purchase": "food_drink.purchase",
        "support": "food_drink.support",
    }
    assert surveys.get(touchpoint__key="visit").is_default
    counts = dict(surveys.annotate(n=Count("responses")).values_list("touchpoint__key", "n"))
    assert 540 <= counts["visit"] <= 660
    assert 200 <= counts["purchase"] <= 300
    assert 110 <= counts["support"] <= 190


def test_every_response_answers_what_its_survey_asks(demo):
    per_response = Response.objects.filter(business=demo.business).annotate(
        scores=Count("answers", filter=Q(answers__number__isnull=False)),
        chosen=Count("answers", filter=~Q(answers__choices=[])),
    )
    shapes = set(per_response.values_list("survey__touchpoint__key", "scores", "chosen"))
    # Visit: NPS. Purchase: NPS, effort, stars. Support: CSAT, effort, and "solved?".
    assert shapes == {("visit", 1, 0), ("purchase", 3, 0), ("support", 2, 1)}
    for kind, (low, high) in SCALES.items():
        numbers = Answer.objects.filter(business=demo.business, question__kind=kind)
        assert not numbers.exclude(number__gte=low, number__lte=high).exists()
    chosen = Answer.objects.filter(business=demo.business, question__kind="single_choice")
    assert {tuple(c) for c in chosen.values_list("choices", flat=True)} == {
        ("Yes",),
        ("Partly",),
        ("No",),
    }


def test_other_scales_follow_the_score(demo):
    purchases = responses_of(demo.business, "purchase")
    by_group: dict[str, list[dict]] = {}
    for response in purchases:
        by_group.setdefault(promoter_or_not(response["nps"]), []).append(response)
    for kind in (QuestionKind.CES, QuestionKind.RATING):
        promoters = mean([r[kind] for r in by_group["promoter"]])
        detractors = mean([r[kind] for r in by_group["detractor"]])
        assert promoters > detractors + 1.5
    support = responses_of(demo.business, "support")
    unhappy = [r for r in support if r["csat"] <= 2]
    happy = [r for r in support if r["csat"] >= 4]
    assert mean([r["ces"] for r in happy]) > mean([r["ces"] for r in unhappy]) + 2
    assert sum(r["choices"] == ["Yes"] for r in happy) > 0.6 * len(happy)
    assert sum(r["choices"] == ["Yes"] for r in unhappy) < 0.1 * len(unhappy)


def test_purchase_comments_go_to_the_why_the_score_asks(demo):
    purchases = responses_of(demo.business, "purchase")
    commented = [r for r in purchases if "text" in r]
    assert commented
    for response in commented:
        low, high = response["text_if"]
        assert low <= response["nps"] <= high
    assert {r["text_if"] for r in commented} == {(0, 6), (9, 10)}
    passives = [r for r in purchases if promoter_or_not(r["nps"]) == "passive"]
    assert passives
    assert not any("text" in r for r in passives)


def test_scores_spread_like_a_real_cafe(demo):
    scores = Answer.objects.filter(
        business=demo.business, question__kind=QuestionKind.NPS, response__survey__is_default=True
    )
    numbers = list(scores.values_list("number", flat=True))
    promoters = sum(n >= 9 for n in numbers) / len(numbers)
    detractors = sum(n <= 6 for n in numbers) / len(numbers)
    assert 0.48 <= promoters <= 0.62
    assert 0.14 <= detractors <= 0.26


def test_getting_help_hurts_more_than_the_visit(scored_demo):
    support = responses_of(scored_demo.business, "support")
    assert sum(r["csat"] >= 4 for r in support) < 0.6 * len(support)
    purchases = responses_of(scored_demo.business, "purchase")
    assert mean([r["ces"] for r in support]) < mean([r["ces"] for r in purchases]) - 0.8
    comments = Answer.objects.filter(business=scored_demo.business).exclude(text="")
    negative, about_help = {}, {}
    for moment in ("visit", "support"):
        said = comments.filter(response__survey__touchpoint__key=moment)
        labels = Counter(said.values_list("sentiment_label", flat=True))
        negative[moment] = labels["negative"] / labels.total()
        texts = list(said.values_list("text", flat=True))
        about_help[moment] = sum(bool(HELP_WORDS.search(t.lower())) for t in texts) / len(texts)
    assert negative["support"] > negative["visit"] + 0.15
    # Support comments mostly talk about the help (refunds, call-backs), not the coffee.
    assert about_help["support"] > max(0.4, 3 * about_help["visit"])


def test_the_journey_map_shows_getting_help_as_the_pain(scored_demo):
    business = scored_demo.business
    today = local_today(business)
    heard = {
        point.touchpoint.key: point.heard
        for stage in journey_map(
            business=business,
            journey=Journey.objects.get(business=business),
            first=today - timedelta(days=729),
            last=today,
            filters=Filters(),
        ).stages
        for point in stage.touchpoints
    }
    assert heard["support"].verdict == "pain"
    assert heard["visit"].verdict != "pain"
    assert heard["purchase"].verdict != "pain"
    assert heard["support"].sentiment < heard["visit"].sentiment - 0.2


def test_comment_tone_follows_the_score(scored_demo):
    nps = dict(
        Answer.objects.filter(
            business=scored_demo.business, question__kind=QuestionKind.NPS
        ).values_list("response_id", "number")
    )
    labels = Counter(
        (promoter_or_not(nps[response_id]), label)
        for response_id, label in Answer.objects.filter(business=scored_demo.business)
        .exclude(text="")
        .values_list("response_id", "sentiment_label")
        if response_id in nps
    )

    def share(group: str, label: str) -> float:
        return labels[group, label] / sum(n for (g, _), n in labels.items() if g == group)

    assert labels["promoter", "positive"] > 4 * labels["promoter", "negative"]
    # Shares, not counts: a few hundred comments, and the analyser calls some "ok"s positive.
    assert share("detractor", "negative") > 4 * share("promoter", "negative")
    assert share("promoter", "positive") > 2 * share("detractor", "positive")


def test_comments_vary_and_read_like_people(demo):
    texts = comment_texts(demo.business)
    assert len(set(texts)) >= 0.9 * len(texts)
    assert any(any(e in text for e in EMOJI["positive"]) for text in texts)
    assert any("👍🏽" in text or "❤️" in text for text in texts)
    words = {word for text in texts for word in re.findall(r"\w+", text.lower())}
    assert words & TYPO_WORDS
    assert any(len(text) > 200 for text in texts)
    assert any(len(text) <= 5 for text in texts)
    assert any(" but " in text for text in texts)


def test_a_thousand_generated_comments_are_nearly_all_different():
    rng = random.Random(11)
    comments = [comment_for_score(rng, rng.randrange(11)) for _ in range(1_000)]
    assert len(set(comments)) >= 900


def test_purchases_look_like_a_cafe_till(demo):
    purchases = Purchase.objects.filter(business=demo.business)
    references = list(purchases.values_list("order_reference", flat=True))
    assert len(set(references)) == len(references)
    assert all(re.fullmatch(r"BB-\d{6}", reference) for reference in references)
    amounts = list(purchases.values_list("amount", flat=True))
    assert sum(Decimal(3) <= amount <= Decimal(25) for amount in amounts) >= 0.8 * len(amounts)
    assert max(amounts) > Decimal(35)
    assert not purchases.filter(purchased_at__lt=F("customer__created_at")).exists()


def test_regulars_buy_often_and_most_others_once_or_twice(demo):
    customers = Customer.objects.filter(business=demo.business).annotate(bought=Count("purchases"))
    bought = {"regular": [], "other": []}
    for tags, count in customers.values_list("tags", "bought"):
        bought["regular" if "regular" in tags else "other"].append(count)
    assert min(bought["regular"]) >= 5
    buyers = [count for count in bought["other"] if count]
    assert sum(count <= 2 for count in buyers) > 0.6 * len(buyers)


def test_customers_are_distinct_people_who_mostly_consent(demo):
    customers = Customer.objects.filter(business=demo.business)
    emails = [email for email in customers.values_list("email", flat=True) if email]
    assert len(set(emails)) == len(emails) >= 400
    consent = customers.filter(consent_to_contact=True).count() / customers.count()
    assert 0.6 <= consent <= 0.8


def test_staff_log_interactions_and_flag_angry_ones(demo):
    interactions = Interaction.objects.filter(business=demo.business)
    staff = set(User.objects.filter(email__in=demo.staff_emails).values_list("pk", flat=True))
    assert set(interactions.values_list("staff_id", flat=True)) <= staff
    angry = interactions.filter(mood=Mood.ANGRY)
    assert angry.exists()
    assert not angry.filter(follow_up_needed=False).exists()


def test_staff_interactions_happen_at_journey_touchpoints(demo):
    interactions = Interaction.objects.filter(business=demo.business)
    assert not interactions.filter(touchpoint=None).exists()
    assert not interactions.exclude(touchpoint__business=demo.business).exists()
    keys = set(interactions.values_list("touchpoint__key", flat=True))
    assert keys == {"purchase", "phone", "delivery", "social", "loyalty"}


def test_every_situation_names_a_touchpoint_of_the_cafe_journey():
    keys = {key for _, touchpoints in FOOD_DRINK for _, key in touchpoints}
    assert {situation.touchpoint for situation in SITUATIONS} <= keys


def answers_in_order(business: Business) -> list[tuple]:
    answers = Answer.objects.filter(business=business).order_by("created_at", "id")
    return list(
        answers.values_list("response__survey__touchpoint__key", "number", "choices", "text")
    )


def test_the_same_seed_gives_the_same_words():
    first = comment_texts(seed_demo(scale=0.1, seed=3, score=False).business)
    again = comment_texts(seed_demo(scale=0.1, seed=3, score=False).business)
    other = comment_texts(seed_demo(scale=0.1, seed=4, score=False).business)
    assert first == again
    assert first != other


def test_the_same_seed_gives_the_same_answers_and_touchpoints():
    def run() -> tuple[list[tuple], list[tuple]]:
        business = seed_demo(scale=0.1, seed=3, score=False).business
        notes = Interaction.objects.filter(business=business).order_by("created_at", "id")
        return answers_in_order(business), list(notes.values_list("touchpoint__key", "note"))

    first = run()
    assert first == run()
    assert {key for key, *_ in first[0]} == {"visit", "purchase", "support"}


def test_running_it_again_replaces_rather_than_doubles(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        seed_demo(scale=0.1)
    # Scoring opened follow-up cases on the answers: deleting must take them along.
    assert FollowUpCase.objects.exists()
    seed_demo(scale=0.1, score=False)
    assert Business.objects.filter(name="Bluebird Café").count() == 1
    assert Response.objects.count() == 100
    assert Purchase.objects.count() == 200
    assert User.objects.filter(email__endswith="@bluebird.demo").count() == 3


def test_a_named_business_sits_beside_the_demo_one():
    seed_demo(scale=0.1, score=False)
    other = seed_demo(scale=0.1, name="Other Shop", score=False)
    assert Response.objects.count() == 200
    assert other.owner_email == "owner@other-shop.demo"
    assert User.objects.filter(email="owner@other-shop.demo").exists()
    assert Purchase.objects.filter(business=other.business, order_reference="OS-000001").exists()


def test_the_command_prints_counts_and_the_login(capsys):
    call_command("seed_demo", "--scale", "0.1", "--skip-scoring")
    out = capsys.readouterr().out
    assert "100 responses" in out
    assert "http://127.0.0.1:8000/" in out
    assert "rows/s" in out
    assert "owner@bluebird.demo / bluebird-demo-owner" in out
    assert Answer.objects.exclude(text="").filter(scored_at=None).exists()


def test_the_command_refuses_a_scale_below_one_hundredth():
    with pytest.raises(CommandError):
        call_command("seed_demo", "--scale", "0.001")
    assert not Business.objects.exists()
