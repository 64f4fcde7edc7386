"""Within one business, staff reach exactly what they should; visitors reach nothing.

Every route of the resolver is walked on business A's own objects, for every method:
- staff (bob) may use only what STAFF_MAY lists; everything else answers 403 (or 405
  where the owner gets 405 too, since the route never takes that method);
- an anonymous visitor is sent to sign in (pages) or gets 401/403 (API);
and none of the refused requests changes a row. A route added later is walked at once;
if staff should use it, it is added to STAFF_MAY here, on purpose. Managers and owners:
test_isolation_managers.
"""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from .isolation_outsiders import Outsider, object_routes, walk
from .isolation_roles import RoleWalker, walk_roles, walked_routes
from .isolation_routes import METHODS, Route, all_routes, operator_routes, routes_of
from .isolation_samples import values_for
from .isolation_walking import Answer, report, send, unchanged
from .isolation_world import World, world_fixture  # noqa: F401 - the `world` fixture

pytestmark = pytest.mark.django_db

ANY = frozenset(METHODS)
READ = frozenset({"GET", "HEAD"})
POST = frozenset({"POST"})

# What staff may use, by URL name (the README's "who" column): logging interactions,
# working their cases, customers (not editing or importing them), alerts and the
# review inbox (not replying), and reading the API's matching objects.
STAFF_MAY: dict[str, frozenset[str]] = {
    "home": ANY,  # redirects each role to its own start page
    "accounts:switch": POST,
    "interactions:list": ANY,
    "interactions:new": READ | POST,
    "interactions:customer_search": READ,
    "interactions:detail": ANY,
    "cases:list": ANY,
    "cases:detail": ANY,
    "cases:update": POST,
    "cases:note": POST,
    "customers:list": READ,
    "customers:new": READ | POST,
    "customers:detail": READ,
    "customers:purchase_add": POST,
    "textanalysis:alerts": READ,
    "textanalysis:alert": READ,
    "textanalysis:alert_acknowledge": POST,
    "reputation:inbox": READ,
    "reputation:review": READ,
    # Why a text was judged as it was: for the texts staff see (their interactions, reviews).
    "textanalysis:why_interaction": READ,
    "textanalysis:why_review": READ,
    "api:survey-list": READ,
    "api:survey-detail": READ,
    "api:question-detail": READ,
    "api:interaction-list": READ | POST,
    "api:interaction-detail": READ,
    "api:case-list": READ,
    "api:case-detail": READ | {"PATCH"},
    "api:case-notes": POST,
    "api:customer-list": READ | POST,
    "api:customer-detail": READ,
    "api:alert-list": READ,
    "api:alert-detail": READ,
    "api:alert-acknowledge": POST,
    "api:aspect-list": READ,
    "api:aspect-detail": READ,
    "api:journey": READ,
    "api:journey-stage-detail": READ,
    "api:journey-touchpoint-detail": READ,
    "api:review-list": READ,
    "api:review-detail": READ,
}


def staff_problems(walker: RoleWalker, route: Route) -> list[str]:
    may = STAFF_MAY.get(route.name, frozenset())
    checks = [
        walker.allowed(route, method) if method in may else walker.refused(route, method)
        for method in METHODS
    ]
    return [problem for problem in checks if problem]


def test_staff_reach_only_what_staff_may(world, client_of):
    walker = RoleWalker(client_of(world.a.staff), client_of(world.a.owner), world, "bob (staff)")
    problems = walk_roles(walker, staff_problems)
    assert not problems, report("Routes that answer staff wrongly", problems)


@override_settings(ROOT_URLCONF="tests.security.isolation_canary_urls")
def test_it_reports_a_planted_page_staff_reach_without_leave(world, client_of):
    """A new page open to every role, not in STAFF_MAY: the walk must name it."""
    walker = RoleWalker(client_of(world.a.staff), client_of(world.a.owner), world, "bob (staff)")
    canary = next(r for r in routes_of(None) if r.name == "canary-unscoped-list")
    problems = staff_problems(walker, canary)
    assert (
        problems
        and "GET /canary/locations/ [canary-unscoped-list] as bob (staff): 200" in (problems[0])
    )


def test_staff_get_404_for_every_object_of_b_they_could_reach_in_a(world, client_of):
    """The routes staff use run staff's own lookups (their cases, their interactions):
    walked again as bob against B's objects, like alice in test_isolation_walk."""
    routes = [route for route in object_routes() if route.name in STAFF_MAY]
    assert len(routes) >= 10
    outsider = Outsider(client_of(world.a.staff), world, "bob (staff)", role=True)
    problems = walk(outsider, routes)
    assert not problems, report("Routes that answer A's staff about B's objects", problems)


def test_the_staff_allowlist_names_only_routes_that_exist():
    names = {route.name for route in all_routes()}
    stale = sorted(set(STAFF_MAY) - names)
    assert not stale, f"STAFF_MAY names routes that no longer exist: {stale}"


def test_anonymous_visitors_are_sent_to_sign_in_and_change_nothing(world):
    client = Client()
    problems: list[str] = []
    with unchanged(problems, "The anonymous walk"):
        for route in walked_routes():
            url = route.url(values_for(route, dict.fromkeys(route.kwargs, world.a)))
            for method in METHODS:
                answer = send(client, method, url, api=route.is_api)
                if answer.writes or not sent_to_sign_in(answer, route):
                    problems.append(f"{method} {url} [{route.name}] anonymously: {answer}")
    assert not problems, report("Routes open to anonymous visitors", problems)


def sent_to_sign_in(answer: Answer, route: Route) -> bool:
    if route.is_api:
        return answer.status in (401, 403)
    return answer.status == 302 and answer.location.startswith("/accounts/login/")


def test_a_member_is_no_operator(world, client_of):
    """The operator's admin (not walked route by route) sends every member to its sign-in."""
    assert operator_routes()  # the admin is there, and is the only thing left unwalked
    for user in (world.a.owner, world.manager, world.a.staff):
        answer = send(client_of(user), "GET", "/admin/", api=False)
        assert answer.status == 302 and answer.location.startswith("/admin/login/")
