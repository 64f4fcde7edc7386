"""The staff load flag can be explained from its figures: each member's upset customers
out of their interactions, the team's median and which counts it was taken of, and the
threshold (twice the median, at least five) each member is held against."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from statistics import median

import pytest
from django.template.defaultfilters import floatformat
from django.utils import timezone

from accounts.models import Role
from accounts.services import membership_add
from feedback.models import Mood
from metrics.care import FLAG_MIN_NEGATIVE, FLAG_RATIO
from tests.factories import InteractionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(business_a, alice, bob, mia, business_b, charlie):
    """Upset / handled in the last days: written down here, counted by the test below."""
    sam = UserFactory(email="sam@a.example", first_name="Sam")
    membership_add(business=business_a, user=sam, role=Role.STAFF)
    when = timezone.now() - timedelta(days=1)
    plan = {
        alice: [("negative", ""), ("positive", "")],
        bob: [("neutral", Mood.ANGRY), ("negative", ""), ("positive", ""), ("neutral", "")],
        mia: [("negative", Mood.FRUSTRATED)] * 3 + [("positive", "")] * 3,
        sam: [("negative", "")] * 11 + [("neutral", Mood.ANGRY)] + [("positive", "")] * 2,
    }
    for member, logs in plan.items():
        for label, mood in logs:
            InteractionFactory(
                business=business_a, staff=member, created_at=when, sentiment_label=label, mood=mood
            )
    InteractionFactory(business=business_b, staff=charlie, created_at=when, mood=Mood.ANGRY)
    upset = {
        member: sum(
            label == "negative" or mood in (Mood.FRUSTRATED, Mood.ANGRY) for label, mood in logs
        )
        for member, logs in plan.items()
    }
    return {member: (upset[member], len(logs)) for member, logs in plan.items()}


def explanation(client) -> str:
    reply = client.get("/dashboard/")
    assert reply.status_code == 200
    html = reply.content.decode()
    start = html.index('id="staff-load-why"')
    return html[start : html.index("</details>", start)]


def cells(part: str) -> dict[str, list[str]]:
    rows = re.findall(r'<tr>\s*<th scope="row">(.*?)</th>(.*?)</tr>', part, re.DOTALL)
    return {
        unescape(name): [
            " ".join(unescape(c).split()) for c in re.findall(r"<td>(.*?)</td>", rest, re.DOTALL)
        ]
        for name, rest in rows
    }


def test_each_member_is_shown_against_the_flag(team, alice, client_of):
    part = explanation(client_of(alice))
    team_median = median(upset for upset, handled in team.values() if handled)
    flag_at = max(FLAG_MIN_NEGATIVE, FLAG_RATIO * team_median)
    counts = ", ".join(str(n) for n in sorted(upset for upset, _ in team.values()))
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", part)).split())
    assert f"the median of {counts} = {floatformat(team_median, -1)}" in text
    assert (
        f"{FLAG_RATIO} \u00d7 {floatformat(team_median, -1)}, and at least {FLAG_MIN_NEGATIVE}: "
        f"{floatformat(flag_at, -1)} upset customers" in text
    )
    shown = cells(part)
    assert set(shown) == {str(member) for member in team}
    flagged = []
    for member, (upset, handled) in team.items():
        verdict = "flagged" if upset >= flag_at else "not flagged"
        sign = "≥" if upset >= flag_at else "<"
        assert shown[str(member)] == [
            f"{upset} / {handled}",
            f"{round(100 * upset / handled)} %",
            f"{upset} {sign} {floatformat(flag_at, -1)}: {verdict}",
        ], member
        flagged += [str(member)] if upset >= flag_at else []
    assert flagged == ["Sam"]  # the fixture's point: one member clearly over


def test_managers_see_it_staff_do_not_and_outsiders_see_only_their_own(
    team, mia, bob, charlie, client_of
):
    assert "Sam" in cells(explanation(client_of(mia)))
    assert client_of(bob).get("/dashboard/").status_code == 403
    outsider = client_of(charlie).get("/dashboard/").content.decode()
    for name in ("Sam", "Mia", "Bob", "Alice"):
        assert name not in outsider
