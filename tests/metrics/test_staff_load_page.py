"""The staff load page (/dashboard/staff-load/): the team's emotional load for owners and
managers of the current business, linked from the dashboard; staff get 403."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.metrics.test_care import team_a, text_of  # noqa: F401 - team_a is a fixture

pytestmark = pytest.mark.django_db

PAGE = "/dashboard/staff-load/"


def test_the_owner_sees_the_figures_by_member(alice, client_of, team_a):  # noqa: F811
    reply = client_of(alice).get(PAGE)
    assert reply.status_code == 200
    text = text_of(reply.content.decode())
    assert "Sam met 12 upset customers in the last 14 days" in text
    table = text[text.index("Team member") :]
    assert table.index("Alice") < table.index("Mia") < table.index("Sam") < table.index("Zoe")
    assert "Usual now: 4.5." in text
    assert "Open the staff load page" not in text  # no link to itself


def test_a_manager_sees_the_page(mia, client_of, team_a):  # noqa: F811
    reply = client_of(mia).get(PAGE)
    assert reply.status_code == 200
    assert "Sam met 12 upset customers" in text_of(reply.content.decode())


def test_staff_get_the_designed_403(bob, client_of, team_a):  # noqa: F811
    reply = client_of(bob).get(PAGE)
    assert reply.status_code == 403
    text = text_of(reply.content.decode())
    assert "This page is not open to your role" in text
    assert "Sam" not in text


def test_a_visitor_is_sent_to_sign_in(team_a):  # noqa: F811
    reply = Client().get(PAGE)
    assert reply.status_code == 302
    assert reply.url == f"/accounts/login/?next={PAGE}"


def test_an_outsider_sees_only_their_own_business(charlie, client_of, team_a):  # noqa: F811
    reply = client_of(charlie).get(PAGE)
    assert reply.status_code == 200
    text = text_of(reply.content.decode())
    # Sam's 9 interactions at B are B's; none of A's members or figures appear.
    assert "Charlie" in text and "Sam" in text
    for name in ("Alice", "Bob", "Mia", "Zoe", "Ivy"):
        assert name not in text
    assert "Sam met 12" not in text


def test_the_dashboard_links_to_the_page(alice, client_of, business_a):
    html = client_of(alice).get("/dashboard/").content.decode()
    assert f'href="{PAGE}"' in html
    assert "Open the staff load page" in html
