"""The KPI formulas against values computed by hand (metrics.kpis: no database)."""

from __future__ import annotations

import math

import pytest

from journeys.stats import Sample
from metrics.kpis import Ces, Csat, Nps, Pillar, SentimentMix, Share, TrustIndex, agreement_to_100

Z = 1.959963984540054


def test_nps_is_promoters_minus_detractors_with_the_adjusted_wald_interval():
    nps = Nps(n=40, promoters=20, detractors=8)
    # 50% promoters - 20% detractors = 30.
    assert nps.score == pytest.approx(30.0)
    assert nps.passives == 12
    # Rocks (2016): n' = 43, p+ = 20.75 / 43 = 0.482558, p- = 8.75 / 43 = 0.203488,
    # d = 0.279070, var = (0.482558 + 0.203488 - 0.279070²) / 43 = 0.0141434,
    # d ± 1.96 · 0.118926 = 0.0459790 .. 0.5121606.
    assert nps.interval.low == pytest.approx(4.5979, abs=1e-3)
    assert nps.interval.high == pytest.approx(51.2161, abs=1e-3)
    assert nps.interval.estimate == pytest.approx(30.0)


def test_nps_interval_stays_within_minus_100_and_100():
    every_promoter = Nps(n=25, promoters=25, detractors=0)
    assert every_promoter.score == 100
    assert every_promoter.interval.high == 100  # clipped (d + margin would pass 100)
    assert every_promoter.interval.low < 100  # but 25 answers do not prove 100


def test_nps_without_answers_is_none_and_few_answers_are_not_enough():
    assert Nps(n=0, promoters=0, detractors=0).score is None
    assert Nps(n=0, promoters=0, detractors=0).interval is None
    assert not Nps(n=19, promoters=10, detractors=2).enough
    assert Nps(n=20, promoters=10, detractors=2).enough


def test_an_nps_change_is_real_only_when_its_interval_excludes_zero():
    before = Nps(n=100, promoters=30, detractors=30)  # 0
    after = Nps(n=100, promoters=60, detractors=10)  # 50
    change = after.change_since(before)
    # Adjusted: now d = (60.75 - 10.75) / 103 = 0.485437, var = (0.589806 + 0.104369
    # - 0.235649) / 103 = 0.0044517; then d = 0, var = (0.298544 · 2) / 103 = 0.0057970;
    # margin = 1.96 · sqrt(0.0102487) = 0.198418 → 0.287019 .. 0.683855.
    assert change.difference == pytest.approx(50.0)
    assert change.low == pytest.approx(28.7019, abs=1e-3)
    assert change.high == pytest.approx(68.3855, abs=1e-3)
    assert change.real and change.direction == "up"
    wobble = Nps(n=30, promoters=12, detractors=6).change_since(
        Nps(n=30, promoters=10, detractors=7)
    )
    assert not wobble.real and wobble.direction == "same"
    assert Nps(n=10, promoters=5, detractors=1).change_since(before) is None  # too few


def test_csat_share_has_the_agresti_coull_interval():
    share = Share(n=20, hits=15)
    assert share.percent == 75
    # n' = 20 + 1.96² = 23.8415, p' = (15 + 1.92073) / 23.8415 = 0.709719,
    # margin = 1.96 · sqrt(0.709719 · 0.290281 / 23.8415) = 0.182194.
    assert share.interval.low == pytest.approx(52.7525, abs=1e-3)
    assert share.interval.high == pytest.approx(89.1913, abs=1e-3)
    everyone = Share(n=30, hits=30)
    assert everyone.interval.high == 100 and everyone.interval.low < 100
    csat = Csat(share=share, total=15 * 5 + 5 * 2)  # fifteen 5s and five 2s
    assert csat.mean == pytest.approx(85 / 20)
    assert Csat(share=Share(n=0, hits=0), total=0).mean is None


def test_a_csat_change_uses_agresti_caffo():
    change = Share(n=50, hits=40).change_since(Share(n=50, hits=25))
    # (41 / 52) - (26 / 52) = 0.288462; se = sqrt(0.788462 · 0.211538 / 52
    # + 0.5 · 0.5 / 52) = 0.0895276; margin = 1.96 · se = 0.175471.
    assert change.difference == pytest.approx(30.0)
    assert change.low == pytest.approx(11.2991, abs=1e-3)
    assert change.high == pytest.approx(46.3932, abs=1e-3)
    assert change.real


def test_ces_mean_interval_and_share_easy():
    # Twenty answers: ten 6s and ten 4s: mean 5, sample variance 20 · 1 / 19.
    sample = Sample(20, 100, 10 * 36 + 10 * 16)
    ces = Ces(sample=sample, easy=Share(n=20, hits=10))
    assert ces.mean == 5
    assert ces.easy.percent == 50
    t19 = 2.0930  # Student t, 19 degrees of freedom, 97.5%
    margin = t19 * math.sqrt(20 / 19 / 20)
    assert ces.interval.low == pytest.approx(5 - margin, abs=1e-3)
    assert ces.interval.high == pytest.approx(5 + margin, abs=1e-3)
    assert Ces(sample=Sample(3, 15, 75), easy=Share(n=3, hits=3)).interval is None


def test_trust_pillars_are_0_to_100_and_the_index_is_their_mean():
    assert agreement_to_100(1) == 0 and agreement_to_100(7) == 100 and agreement_to_100(4) == 50
    trust = TrustIndex(
        (
            Pillar("reliability", "Reliability", n=2, total=14),  # mean 7 → 100
            Pillar("integrity", "Integrity", n=2, total=8),  # mean 4 → 50
            Pillar("competence", "Competence", n=4, total=20),  # mean 5 → 66.7
            Pillar("benevolence", "Benevolence", n=1, total=1),  # mean 1 → 0
        )
    )
    assert trust.score == pytest.approx((100 + 50 + 200 / 3 + 0) / 4)
    assert trust.weakest.key == "benevolence"
    assert trust.n == 1


def test_the_trust_index_waits_for_every_pillar():
    trust = TrustIndex(
        (Pillar("reliability", "Reliability", n=3, total=21),
         Pillar("integrity", "Integrity", n=0, total=0))
    )  # fmt: skip
    assert trust.score is None
    assert trust.weakest is None  # one scored pillar: nothing to compare
    assert TrustIndex(()).score is None


def test_sentiment_mix_shares_and_neutral_remainder():
    mix = SentimentMix(positive=6, negative=2, sample=Sample(10, 3.0, 2.0))
    assert mix.neutral == 2
    assert mix.share(mix.positive) == 60
    assert mix.mean == pytest.approx(0.3)
    empty = SentimentMix(positive=0, negative=0, sample=Sample())
    assert empty.mean is None and empty.share(0) is None
