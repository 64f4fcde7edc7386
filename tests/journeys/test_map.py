"""The map's figures against hand-computed values, from raw rows and from the roll-up."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from customers.models import Purchase
from feedback.models import Survey
from journeys.models import TouchpointDay
from journeys.rollups import Filters, local_today, rollup_advance, rollup_build
from journeys.selectors import journey_for, journey_map
from journeys.stats import Sample, difference_interval, mean_interval, t_quantile
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


NO_FILTERS = Filters()


def the_map(business, *, days=30, filters=NO_FILTERS, last=None):
    last = last or local_today(business)
    return journey_map(
        business=business,
        journey=journey_for(business=business),
        first=last - timedelta(days=days - 1),
        last=last,
        filters=filters,
    )


def place(the_map, key):
    for stage in the_map.stages:
        for point in stage.touchpoints:
            if point.touchpoint.key == key:
                return point.heard
    raise AssertionError(f"{key} not on the map")


def stage_named(the_map, name):
    return next(stage.heard for stage in the_map.stages if stage.stage.name == name)


# --- Statistics --------------------------------------------------------------------------


def test_t_quantile_matches_the_tables():
    # Student's t, 97.5th percentile, from published tables.
    for df, exact in ((5, 2.571), (9, 2.262), (15, 2.131), (29, 2.045), (200, 1.972)):
        assert t_quantile(df) == pytest.approx(exact, abs=0.005)


def test_mean_interval_by_hand():
    scores = [0.2, 0.4, 0.6, 0.1, 0.3, 0.5, 0.7, 0.2, 0.4, 0.6]
    sample = Sample(len(scores), sum(scores), sum(s * s for s in scores))
    mean = sum(scores) / 10
    sd = math.sqrt(sum((s - mean) ** 2 for s in scores) / 9)
    interval = mean_interval(sample)
    assert interval.estimate == pytest.approx(0.4)
    assert interval.high - mean == pytest.approx(2.262 * sd / math.sqrt(10), abs=0.002)


def test_too_few_voices_give_no_interval():
    assert mean_interval(Sample(9, 4.5, 2.5)) is None
    assert difference_interval(Sample(9, 4.5, 2.5), Sample(100, 0, 10)) is None


def test_identical_scores_give_an_exact_difference():
    interval = difference_interval(Sample(10, 5.0, 2.5), Sample(10, -5.0, 2.5))
    assert (interval.low, interval.high) == pytest.approx((1.0, 1.0))


# --- Aggregates -----------------------------------------------------------------------


def test_figures_match_hand_computed_values(voices_a, business_a):
    support = voices_a.survey_at("support")
    voices_a.response(support, score=0.5, csat=5, ces=6)
    voices_a.response(support, score=-0.5, csat=2, ces=3, days_ago=5)
    voices_a.response(support, score=0.2, csat=4, days_ago=10)
    voices_a.response(support, csat=1)  # a number only: a voice, no sentiment
    voices_a.interaction("support", score=-0.8, days_ago=3)
    voices_a.response(support, score=0.9, days_ago=40)  # before the period

    heard = place(the_map(business_a), "support")

    assert heard.voices == 5
    assert heard.sums.sentiment_n == 4
    assert heard.sentiment == pytest.approx((0.5 - 0.5 + 0.2 - 0.8) / 4)
    assert heard.negative_share == pytest.approx(2 / 4)
    assert heard.csat == pytest.approx(2 / 4)  # 5 and 4 of 5, 2, 4, 1
    assert heard.ces == pytest.approx((6 + 3) / 2)


def test_the_rollup_gives_the_same_figures_as_raw_rows(voices_a, business_a):
    support, visit = voices_a.survey_at("support"), voices_a.survey_at("visit", "Visit")
    for days_ago in (0, 1, 3, 7, 12, 20):
        voices_a.response(support, score=-0.1 * (days_ago % 5), csat=3, ces=4, days_ago=days_ago)
        voices_a.response(visit, score=0.05 * days_ago, days_ago=days_ago)
        voices_a.interaction("delivery", score=-0.3, days_ago=days_ago)
    raw = the_map(business_a)

    rollup_build(business=business_a)
    rolled = the_map(business_a)

    assert TouchpointDay.objects.filter(business=business_a).exists()
    for key in ("support", "visit", "delivery"):
        assert vars(place(rolled, key).sums) == pytest.approx(vars(place(raw, key).sums))


def test_days_after_the_rollup_are_read_live(voices_a, business_a):
    support = voices_a.survey_at("support")
    voices_a.response(support, score=-0.4, days_ago=5)
    rollup_build(business=business_a)
    voices_a.response(support, score=0.6)  # today: not rolled up yet

    assert place(the_map(business_a), "support").sums.sentiment_n == 2
    assert rollup_advance(business=business_a) == 0  # nothing newly closed


def test_moving_a_survey_moves_its_history_without_a_rebuild(voices_a, business_a):
    survey = voices_a.survey_at("support")
    voices_a.response(survey, score=-0.4, days_ago=5)
    rollup_build(business=business_a)

    survey.touchpoint = voices_a.touchpoint("purchase")
    survey.save()

    moved = the_map(business_a)
    assert place(moved, "purchase").voices == 1
    assert place(moved, "support").voices == 0


def test_stages_add_up_their_touchpoints(voices_a, business_a):
    voices_a.interaction("product", score=0.4)
    voices_a.interaction("delivery", score=-0.2)
    enjoy = stage_named(the_map(business_a), "Enjoy")
    assert enjoy.voices == 2
    assert enjoy.sentiment == pytest.approx(0.1)


def test_voices_without_a_touchpoint_are_counted_apart(voices_a, business_a):
    voices_a.interaction(None, score=-0.9)
    voices_a.interaction("visit", score=0.3)
    the = the_map(business_a)
    assert the.unplaced_voices == 1
    assert the.overall.voices == 1


def test_archived_touchpoints_keep_their_history(voices_a, business_a):
    from journeys.services import touchpoint_archive

    touchpoint_archive(touchpoint=voices_a.touchpoint("delivery"))
    touchpoint_archive(touchpoint=voices_a.touchpoint("phone"))
    voices_a.interaction("delivery", score=-0.5)
    keys = {p.touchpoint.key for s in the_map(business_a).stages for p in s.touchpoints}
    assert "delivery" in keys  # archived, but it heard something
    assert "phone" not in keys  # archived and silent


# --- Filters ----------------------------------------------------------------------------


def test_location_filter(voices_a, business_a):
    from accounts.services import location_create

    kiosk = location_create(business=business_a, name="Kiosk")
    voices_a.interaction("visit", score=0.5, location=kiosk)
    voices_a.interaction("visit", score=-0.5)
    rollup_build(business=business_a)
    voices_a.interaction("visit", score=-0.1, location=kiosk)
    heard = place(the_map(business_a, filters=Filters(location_id=kiosk.pk)), "visit")
    assert heard.voices == 2
    assert heard.sentiment == pytest.approx(0.2)


@pytest.mark.parametrize("rolled_up", [False, True])
def test_new_and_returning_customers(voices_a, business_a, rolled_up):
    regular, newcomer = CustomerFactory(business=business_a), CustomerFactory(business=business_a)
    Purchase.objects.create(
        business=business_a, customer=regular, amount=5,
        purchased_at=voices_a.now - timedelta(days=30),
    )  # fmt: skip
    # The visit the voice is about: hours before it, so not an earlier visit.
    Purchase.objects.create(
        business=business_a, customer=newcomer, amount=5,
        purchased_at=voices_a.now - timedelta(days=5, hours=3),
    )  # fmt: skip
    voices_a.interaction("visit", score=0.6, customer=regular, days_ago=5)
    voices_a.interaction("visit", score=-0.6, customer=newcomer, days_ago=5)
    voices_a.interaction("visit", score=0.0, days_ago=5)  # anonymous: neither
    if rolled_up:
        rollup_build(business=business_a)

    returning = place(the_map(business_a, filters=Filters(segment="returning")), "visit")
    new = place(the_map(business_a, filters=Filters(segment="new")), "visit")

    assert (returning.voices, returning.sentiment) == (1, pytest.approx(0.6))
    assert (new.voices, new.sentiment) == (1, pytest.approx(-0.6))


def test_tag_filter_matches_whole_tags(voices_a, business_a):
    vip = CustomerFactory(business=business_a, tags=["vip", "regular"])
    vip_gold = CustomerFactory(business=business_a, tags=["vip-gold"])
    voices_a.interaction("visit", score=0.8, customer=vip, days_ago=4)
    voices_a.interaction("visit", score=-0.8, customer=vip_gold, days_ago=4)
    rollup_build(business=business_a)

    heard = place(the_map(business_a, filters=Filters(tag="vip")), "visit")

    assert heard.voices == 1
    assert heard.sentiment == pytest.approx(0.8)


# --- Pain points ------------------------------------------------------------------------


def spread(centre: float, n: int) -> list[float]:
    """n scores around `centre`, with some spread."""
    return [centre + 0.2 * math.sin(i) for i in range(n)]


def test_a_clearly_worse_touchpoint_is_a_pain_point(voices_a, business_a):
    support, visit = voices_a.survey_at("support"), voices_a.survey_at("visit", "Visit")
    for i, score in enumerate(spread(-0.4, 30)):
        voices_a.response(support, score=score, days_ago=i % 20)
    for i, score in enumerate(spread(0.4, 60)):
        voices_a.response(visit, score=score, days_ago=i % 20)

    the = the_map(business_a)

    assert place(the, "support").verdict == "pain"
    assert place(the, "visit").verdict == "bright"
    assert [p.label for p in the.pain_points][:2] == [
        "Get help",
        "Get help: Questions and complaints",
    ]


def test_a_small_sample_is_too_few_to_say(voices_a, business_a):
    support, visit = voices_a.survey_at("support"), voices_a.survey_at("visit", "Visit")
    for score in (-0.9, -0.8, -0.9, -0.7, -0.9):
        voices_a.response(support, score=score)
    for score in spread(0.4, 60):
        voices_a.response(visit, score=score)

    the = the_map(business_a)

    assert place(the, "support").verdict == "too_few"
    assert the.pain_points == []


def test_a_wobble_is_not_a_pain_point(voices_a, business_a):
    support, visit = voices_a.survey_at("support"), voices_a.survey_at("visit", "Visit")
    for score in spread(0.25, 12):
        voices_a.response(support, score=score + 0.3 * (-1) ** int(score * 100))
    for score in spread(0.3, 12):
        voices_a.response(visit, score=score)
    assert place(the_map(business_a), "support").verdict in {"usual", "bright"}


def test_change_from_the_previous_period(voices_a, business_a):
    support = voices_a.survey_at("support")
    for score in spread(0.5, 20):
        voices_a.response(support, score=score, days_ago=40)  # the previous 30 days
    for score in spread(-0.3, 20):
        voices_a.response(support, score=score, days_ago=2)
    heard = place(the_map(business_a), "support")
    assert heard.change_verdict == "worse"
    assert heard.change.estimate == pytest.approx(-0.8, abs=0.01)


# --- What customers said ------------------------------------------------------------------


def test_words_aspects_and_quotes(voices_a, business_a):
    slow = "The wait was slow and the staff rude"
    voices_a.interaction(
        "support", score=-0.7, note=slow,
        explanation={"words": [[13, 17, -1.5], [32, 36, -2.0]], "aspects": {"wait_time": -0.6}},
    )  # fmt: skip
    voices_a.interaction(
        "support", score=0.6, note="Lovely staff",
        explanation={"words": [[0, 6, 2.3]], "aspects": {"staff": 0.6}},
    )  # fmt: skip
    heard = place(the_map(business_a), "support")

    assert heard.mood_words == {"negative": [("slow", 1), ("rude", 1)], "positive": [("lovely", 1)]}
    assert [a.key for a in heard.aspects["complaints"]] == ["wait_time"]
    assert [a.key for a in heard.aspects["praise"]] == ["staff"]
    assert [q.text for q in heard.quotes] == [slow, "Lovely staff"]


def test_the_sample_is_the_latest_comments_of_every_survey_and_note(
    voices_a, business_a, monkeypatch
):
    from journeys import selectors

    monkeypatch.setattr(selectors, "SAMPLE_SIZE", 3)
    first, second = voices_a.survey_at("support", "First"), voices_a.survey_at("support", "Second")
    for days_ago in (1, 3, 5):
        voices_a.response(first, score=0.1, text=f"first {days_ago}", days_ago=days_ago)
    for days_ago in (2, 4):
        voices_a.response(second, score=0.2, text=f"second {days_ago}", days_ago=days_ago)
    voices_a.response(second, text="not scored", days_ago=0)  # no score: not a comment
    for days_ago in (0, 6):
        voices_a.interaction("support", score=-0.3, note=f"note {days_ago}", days_ago=days_ago)
    voices_a.interaction("visit", score=0.4, note="elsewhere")

    heard = place(the_map(business_a), "support")

    assert [said.text for said in heard.said] == ["note 0", "first 1", "second 2"]
    assert heard.sample_is_partial


def test_the_sample_follows_the_segment(voices_a, business_a):
    regular, newcomer = CustomerFactory(business=business_a), CustomerFactory(business=business_a)
    for customer, hours_ago in ((regular, 24 * 20), (regular, 2), (newcomer, 2)):
        Purchase.objects.create(
            business=business_a, customer=customer, amount=5,
            purchased_at=voices_a.now - timedelta(hours=hours_ago),
        )  # fmt: skip
    support = voices_a.survey_at("support")
    voices_a.response(support, score=0.5, text="came back", customer=regular)
    voices_a.response(support, score=-0.5, text="first time", customer=newcomer)
    voices_a.interaction("support", score=0.3, note="back again", customer=regular)
    voices_a.interaction("support", score=-0.3, note="new here", customer=newcomer)

    returning = place(the_map(business_a, filters=Filters(segment="returning")), "support")
    new = place(the_map(business_a, filters=Filters(segment="new")), "support")

    assert sorted(said.text for said in returning.said) == ["back again", "came back"]
    assert sorted(said.text for said in new.said) == ["first time", "new here"]
    assert (returning.voices, new.voices) == (2, 2)


def test_the_sample_takes_one_query_for_every_touchpoint(voices_a, business_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from journeys.selectors import comments_sample

    touchpoints = ("support", "visit", "delivery", "purchase")
    for key in touchpoints:
        voices_a.response(voices_a.survey_at(key), score=0.1, text=f"at {key}")
        voices_a.interaction(key, score=0.2, note=f"noted at {key}")
    ids = [voices_a.touchpoint(key).pk for key in touchpoints]
    surveys = Survey.objects.filter(business=business_a, touchpoint_id__in=ids).count()
    today = local_today(business_a)

    with CaptureQueriesContext(connection) as queries:
        said = comments_sample(business_a, today, today, NO_FILTERS, touchpoint_ids=ids)

    assert {pk: len(comments) for pk, comments in said.items()} == dict.fromkeys(ids, 2)
    # The surveys at the touchpoints, then the comments: one UNION where the database
    # allows it, one query a survey and a touchpoint where it does not (SQLite).
    one_union = connection.features.supports_slicing_ordering_in_compound
    assert len(queries) == (2 if one_union else 1 + surveys + len(touchpoints))


def test_empty_journey_period(business_a):
    the = the_map(business_a)
    assert not the.has_voices
    assert all(stage.heard.verdict == "too_few" for stage in the.stages)
