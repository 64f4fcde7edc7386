from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.db.models import F

from accounts.models import Business, Membership, Role, User
from customers.models import Customer, Purchase
from cxplatform.demo.seed import OWNER_PASSWORD, seed_demo
from cxplatform.demo.texts import EMOJI, TYPOS, comment_for_score
from feedback.models import Answer, Interaction, Response

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return seed_demo(scale=1)


def test_it_builds_the_demo_business_at_scale_1(demo):
    business = demo.business
    assert business.name == "Bluebird Café"
    assert Customer.objects.filter(business=business).count() == 500
    assert Purchase.objects.filter(business=business).count() == 2_000
    assert Response.objects.filter(business=business).count() == 1_000
    assert Interaction.objects.filter(business=business).count() == 100
    roles = dict(Membership.objects.filter(business=business).values_list("user__email", "role"))
    assert roles == {
        "owner@bluebird.demo": Role.OWNER,
        "sam@bluebird.demo": Role.STAFF,
        "lena@bluebird.demo": Role.STAFF,
    }
    assert User.objects.get(email="owner@bluebird.demo").check_password(OWNER_PASSWORD)


def test_every_comment_and_note_is_scored_through_the_pipeline(demo):
    comments = Answer.objects.filter(business=demo.business).exclude(text="")
    assert 550 <= comments.count() <= 750
    assert not comments.filter(scored_at=None).exists()
    labels = set(comments.values_list("sentiment_label", flat=True))
    assert labels == {"positive", "neutral", "negative"}
    assert not Interaction.objects.filter(business=demo.business, scored_at=None).exists()


def test_answers_happen_when_their_response_does(demo):
    answers = Answer.objects.filter(business=demo.business)
    assert answers.exclude(created_at=F("response__created_at")).count() == 0


def test_scores_spread_like_a_real_cafe(demo):
    scores = list(
        Answer.objects.filter(business=demo.business, number__isnull=False).values_list(
            "number", flat=True
        )
    )
    promoters = sum(score >= 9 for score in scores) / len(scores)
    detractors = sum(score <= 6 for score in scores) / len(scores)
    assert 0.45 <= promoters <= 0.65
    assert 0.12 <= detractors <= 0.28


def test_comments_vary_and_read_like_people(demo):
    texts = list(
        Answer.objects.filter(business=demo.business)
        .exclude(text="")
        .values_list("text", flat=True)
    )
    # Short answers ("ok", "great") repeat like they do in life; the rest rarely do.
    assert len(set(texts)) >= 0.6 * len(texts)
    assert any(any(e in text for e in EMOJI["positive"]) for text in texts)
    assert any(any(typo in text for typo in TYPOS.values()) for text in texts)
    assert any(len(text) > 150 for text in texts)
    assert any(len(text) < 10 for text in texts)


def test_the_same_seed_gives_the_same_words():
    import random

    first = [comment_for_score(random.Random(3), score) for score in range(11)]
    again = [comment_for_score(random.Random(3), score) for score in range(11)]
    other = [comment_for_score(random.Random(4), score) for score in range(11)]
    assert first == again
    assert first != other


def test_running_it_again_replaces_rather_than_doubles():
    seed_demo(scale=0.1, score=False)
    seed_demo(scale=0.1, score=False)
    assert Business.objects.filter(name="Bluebird Café").count() == 1
    assert Response.objects.count() == 100
    assert User.objects.filter(email__endswith="@bluebird.demo").count() == 3


def test_a_named_business_sits_beside_the_demo_one():
    seed_demo(scale=0.1, score=False)
    seed_demo(scale=0.1, name="Other Shop", score=False)
    assert Response.objects.count() == 200
    assert User.objects.filter(email="owner@other-shop.demo").exists()


def test_the_command_prints_counts_and_the_login(capsys):
    call_command("seed_demo", "--scale", "0.1", "--skip-scoring")
    out = capsys.readouterr().out
    assert re.search(r"100 responses", out)
    assert "owner@bluebird.demo / bluebird-demo-owner" in out
    assert Answer.objects.exclude(text="").filter(scored_at=None).exists()
