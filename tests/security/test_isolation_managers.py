"""Managers reach everything in their business but the owner's routes, and never manage
owners.

Every route is walked on business A's own objects as mia (manager), for every method:
OWNER_ONLY routes answer 403, every other route lets her through. Then everything a
manager might try against an owner, on the team page and in the API, is refused (and
the same requests succeed for the owner, so the refusals are the rules at work).
"""

from __future__ import annotations

import pytest

from accounts.models import Role, TeamInvitation
from accounts.services import membership_add
from accounts.team import team_invite
from tests.factories import UserFactory

from .isolation_roles import RoleWalker, walk_roles
from .isolation_routes import METHODS, Route, all_routes
from .isolation_walking import api_client, report, rolled_back, send, send_body, unchanged
from .isolation_world import World, world_fixture  # noqa: F401 - the `world` fixture

pytestmark = pytest.mark.django_db

# Routes only the owner may use: managers get 403 on every method.
OWNER_ONLY = {
    "accounts:api_keys",
    "accounts:api_key_revoke",
    "accounts:settings",  # the business's settings (how long personal data is kept)
    "accounts:settings_look",  # the surveys' colour and logo (part of the settings page)
    "api:business-settings",
    "accounts:audit",  # the audit log
    "api:audit-entry-list",
}


def manager_problems(walker: RoleWalker, route: Route) -> list[str]:
    check = walker.refused if route.name in OWNER_ONLY else walker.allowed
    return [problem for method in METHODS if (problem := check(route, method))]


def test_managers_reach_everything_but_owner_only_routes(world, client_of):
    walker = RoleWalker(client_of(world.manager), client_of(world.a.owner), world, "mia (manager)")
    problems = walk_roles(walker, manager_problems)
    assert not problems, report("Routes that answer managers wrongly", problems)


def test_the_owner_only_list_names_only_routes_that_exist():
    names = {route.name for route in all_routes()}
    stale = sorted(OWNER_ONLY - names)
    assert not stale, f"OWNER_ONLY names routes that no longer exist: {stale}"


# --- Managers cannot manage owners ---------------------------------------------------------


@pytest.fixture
def second_owner(world):
    """A co-owner, so that no refusal below is only the "a business keeps an owner" rule;
    and an open invitation to become an owner."""
    olivia = UserFactory(email="olivia@a.example", first_name="Olivia")
    membership_add(business=world.a.business, user=olivia, role=Role.OWNER)
    team_invite(actor=world.a.owner_membership, email="co-owner@a.example", role=Role.OWNER)
    return olivia


def team_requests(world: World) -> list[tuple[str, str, str, dict, bool]]:
    """(what, method, url, body, api): everything a manager might try against owners."""
    alice, bob = world.a.owner_membership.uuid, world.a.staff_membership.uuid
    invitation = TeamInvitation.objects.get(email="co-owner@a.example").uuid
    new_owner = {"email": "new@a.example", "role": "owner"}
    return [
        ("demote an owner", "POST", f"/accounts/team/members/{alice}/role/",
         {"role": "manager"}, False),
        ("remove an owner", "POST", f"/accounts/team/members/{alice}/remove/", {}, False),
        ("make staff an owner", "POST", f"/accounts/team/members/{bob}/role/",
         {"role": "owner"}, False),
        ("invite an owner", "POST", "/accounts/team/", new_owner, False),
        ("revoke an owner's invitation", "POST",
         f"/accounts/team/invitations/{invitation}/revoke/", {}, False),
        ("demote an owner", "PATCH", f"/api/v1/team/{alice}/", {"role": "staff"}, True),
        ("remove an owner", "DELETE", f"/api/v1/team/{alice}/", {}, True),
        ("make staff an owner", "PATCH", f"/api/v1/team/{bob}/", {"role": "owner"}, True),
        ("invite an owner", "POST", "/api/v1/team/", new_owner, True),
        ("revoke an owner's invitation", "DELETE", f"/api/v1/team/invitations/{invitation}/",
         {}, True),
    ]  # fmt: skip


def test_a_manager_cannot_change_remove_or_demote_an_owner_nor_make_one(
    world, second_owner, client_of
):
    client = client_of(world.manager)
    problems: list[str] = []
    with unchanged(problems, "A manager managing owners"):
        for what, method, url, body, api in team_requests(world):
            answer = send_body(client, method, url, body, api=api)
            if answer.status != 403 or answer.writes:
                problems.append(f"{what}: {method} {url} {body} as mia: {answer}")
    assert not problems, report("A manager managed owners", problems)


def test_an_owner_can_do_what_the_manager_was_refused(world, second_owner, client_of):
    """The refusals above are the rules at work, not requests that could never succeed:
    the co-owner's identical requests go through (each undone)."""
    client = client_of(second_owner)
    refused = []
    for what, method, url, body, api in team_requests(world):
        with rolled_back():
            answer = send_body(client, method, url, body, api=api)
        if answer.status not in (200, 201, 204, 302) or not answer.writes:
            refused.append(f"{what}: {method} {url} {body} as olivia: {answer}")
    assert not refused, report("Owner requests refused", refused)


def test_api_keys_cannot_manage_the_team(world, second_owner):
    client = api_client(world.a.raw_api_key)
    for what, method, url, _body, api in team_requests(world):
        if api:
            answer = send(client, method, url, api=True)
            assert answer.status == 403 and not answer.writes, (what, answer)
