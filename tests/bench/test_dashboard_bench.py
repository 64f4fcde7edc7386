"""The dashboard benchmark's own helpers: purchase history, sizes, the reply check, and
the bare SQL aggregate it compares the dashboard with."""

from __future__ import annotations

import random
from datetime import timedelta
from itertools import pairwise
from types import SimpleNamespace

import pytest
from django.utils import timezone

from bench.dashboard import (
    HISTORY_DAYS,
    RAW_SQL,
    Size,
    nps_counts_in,
    purchase_ages,
    purchase_counts,
    raw_sql_params,
)
from customers.models import Customer, Purchase
from feedback.models import Answer, Question, QuestionKind, Response


def test_purchase_counts_give_everyone_one_and_add_up_exactly():
    rng = random.Random(5)
    customers = list(range(1, 1001))
    regulars = set(range(1, 101))
    counts = purchase_counts(rng, customers, regulars, 20_000)
    assert sum(counts) == 20_000
    assert min(counts) == 1
    by_regular = sorted(counts[:100])
    assert by_regular[len(by_regular) // 2] > 52  # the median regular: more than every 2 weeks
    others = counts[100:]
    assert 0.2 < others.count(1) / len(others) < 0.45  # some one-off customers


def test_purchase_counts_refuse_fewer_purchases_than_customers():
    with pytest.raises(ValueError):
        purchase_counts(random.Random(1), [1, 2, 3], set(), 2)


def test_a_regular_buys_about_weekly_within_the_history():
    rng = random.Random(2)
    for _ in range(50):
        ages = sorted(purchase_ages(rng, 90, regular=True))
        assert ages[0] >= 0 and ages[-1] < HISTORY_DAYS
        gaps = [later - earlier for earlier, later in pairwise(ages)]
        assert sum(gaps) / len(gaps) < 8.5


def test_a_one_off_buys_once():
    ages = purchase_ages(random.Random(3), 1, regular=False)
    assert len(ages) == 1 and 0 <= ages[0] < HISTORY_DAYS


def test_sizes_follow_the_responses():
    size = Size(100_000)
    assert (size.customers, size.purchases, size.interactions) == (10_000, 200_000, 10_000)
    assert size.share(0.1) == Size(10_000)


def test_nps_counts_are_found_anywhere_in_a_reply():
    reply = {"period": {"start": "2026-01-01"}, "kpis": [{"nps": {"n": 9, "promoters": 5,
                                                                  "detractors": 1}}]}  # fmt: skip
    assert nps_counts_in(reply) == {"n": 9, "promoters": 5, "detractors": 1}
    assert nps_counts_in({"nps": {"score": 40}}) is None


@pytest.fixture
def answered(business_a, survey_a):
    """Answers of business A: two NPS scores and a CES answer this year, one NPS score
    older than a year; a purchase this year and one older."""
    now = timezone.now()
    nps = Question.objects.get(survey=survey_a, kind=QuestionKind.NPS)
    ces = Question.objects.create(business=business_a, survey=survey_a, position=9,
                                  kind=QuestionKind.CES, prompt="Easy?")  # fmt: skip
    for number, ago, question in ((10, 3, nps), (2, 40, nps), (6, 40, ces), (10, 400, nps)):
        at = now - timedelta(days=ago)
        response = Response.objects.create(business=business_a, survey=survey_a, created_at=at)
        Answer.objects.create(business=business_a, response=response, question=question,
                              number=number, created_at=at)  # fmt: skip
    customer = Customer.objects.create(business=business_a, name="Ann")
    for ago in (5, 5, 500):
        Purchase.objects.create(business=business_a, customer=customer, amount=4,
                                purchased_at=now - timedelta(days=ago))  # fmt: skip
    return business_a


def test_the_bare_sql_counts_the_last_year_of_one_business(answered, business_b, survey_b):
    from django.db import connection

    other = Response.objects.create(business=business_b, survey=survey_b)
    Answer.objects.create(business=business_b, response=other, number=10,
                          question=Question.objects.get(survey=survey_b, kind="nps"))  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(RAW_SQL, raw_sql_params(SimpleNamespace(business=answered)))
        names = [column[0] for column in cursor.description]
        found = dict(zip(names, cursor.fetchone(), strict=True))
    assert (found["nps_n"], found["promoters"], found["detractors"]) == (2, 1, 1)
    assert float(found["ces_mean"]) == 6.0 and found["csat_n"] == 0
    assert (found["purchases"], found["buyers"]) == (2, 1)
