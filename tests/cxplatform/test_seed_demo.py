from __future__ import annotations

import random
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q

from accounts.models import Business, Location, Membership, Role, User
from customers.models import Customer, Purchase
from cxplatform.demo.comments import comment_for_score
from cxplatform.demo.phrases import EMOJI, TYPOS
from cxplatform.demo.seed import OWNER_PASSWORD, STAFF_PASSWORD, SeedResult, seed_demo
from feedback.models import Answer, FollowUpCase, Interaction, Mood, Response

pytestmark = pytest.mark.django_db

TYPO_WORDS = {wrong for wrongs in TYPOS.values() for wrong in wrongs}


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
    per_response = Response.objects.filter(business=demo.business).annotate(
        scores=Count("answers", filter=Q(answers__number__isnull=False))
    )
    assert set(per_response.values_list("scores", flat=True)) == {1}


def test_scores_spread_like_a_real_cafe(demo):
    scores = Answer.objects.filter(business=demo.business, number__isnull=False)
    numbers = list(scores.values_list("number", flat=True))
    promoters = sum(n >= 9 for n in numbers) / len(numbers)
    detractors = sum(n <= 6 for n in numbers) / len(numbers)
    assert 0.48 <= promoters <= 0.62
    assert 0.14 <= detractors <= 0.26


def test_comment_tone_follows_the_score(scored_demo):
    labels = Counter(
        ("promoter" if number >= 9 else "detractor" if number <= 6 else "passive", label)
        for number, label in Answer.objects.filter(business=scored_demo.business)
        .exclude(text="")
        .values_list("response__answers__number", "sentiment_label")
        if number is not None
    )
    assert labels["promoter", "positive"] > 4 * labels["promoter", "negative"]
    assert labels["detractor", "negative"] > 2 * labels["detractor", "positive"]


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


def test_the_same_seed_gives_the_same_words():
    first = comment_texts(seed_demo(scale=0.1, seed=3, score=False).business)
    again = comment_texts(seed_demo(scale=0.1, seed=3, score=False).business)
    other = comment_texts(seed_demo(scale=0.1, seed=4, score=False).business)
    assert first == again
    assert first != other


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
