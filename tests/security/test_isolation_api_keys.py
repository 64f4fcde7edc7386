"""API keys: per business, per scope, and dead the moment they are revoked.

Extends tests/accounts/test_api_keys.py (one route each) to every API route the resolver
finds: a read key writes nothing anywhere, A's keys never reach B's objects, a key opens
no page, and a revoked key is refused on the very next request, whatever the route.
"""

from __future__ import annotations

import pytest

from accounts.services import api_key_revoke

from .isolation_routes import METHODS, SAFE_METHODS, Route, all_routes
from .isolation_samples import PUBLIC_ROUTES, object_arguments, values_for
from .isolation_walking import api_client, report, send, send_undone, unchanged
from .isolation_world import World, world_fixture  # noqa: F401 - the `world` fixture

pytestmark = pytest.mark.django_db

WRITE_METHODS = tuple(m for m in METHODS if m not in SAFE_METHODS)


def api_routes() -> list[Route]:
    return [r for r in all_routes() if r.is_api and r.name not in PUBLIC_ROUTES]


def page_routes() -> list[Route]:
    return [r for r in all_routes() if not r.is_api and r.name not in PUBLIC_ROUTES]


def url_of(route: Route, world: World, side: str = "a") -> str:
    chosen = world.a if side == "a" else world.b
    return route.url(values_for(route, dict.fromkeys(route.kwargs, chosen)))


def test_a_read_key_writes_nothing_on_any_api_route(world):
    reader, writer = api_client(world.read_key), api_client(world.a.raw_api_key)
    problems: list[str] = []
    with unchanged(problems, "The read key's walk"):
        for route in api_routes():
            url = url_of(route, world)
            for method in WRITE_METHODS:
                answer = send(reader, method, url, api=True)
                never_taken = (
                    answer.status == 405 == send_undone(writer, method, url, api=True).status
                )
                if answer.writes or not (answer.status == 403 or never_taken):
                    problems.append(f"{method} {url} [{route.name}] with a read key: {answer}")
    assert not problems, report("Writes a read-only key got through", problems)


def test_a_read_key_reads_what_a_write_key_reads(world):
    """The refusals above are about scope: the same key reads the same routes."""
    reader, writer = api_client(world.read_key), api_client(world.a.raw_api_key)
    differ = []
    for route in api_routes():
        url = url_of(route, world)
        read, written = (send(c, "GET", url, api=True) for c in (reader, writer))
        if read.status != written.status:
            differ.append(f"GET {url} [{route.name}]: read key {read}, write key {written}")
    assert not differ, report("Reads that depend on the key's scope", differ)


def test_a_read_key_of_a_gets_404_for_every_object_of_b(world):
    reader = api_client(world.read_key)
    problems = []
    for route in api_routes():
        if not object_arguments(route):
            continue
        url = url_of(route, world, "b")
        for method in SAFE_METHODS:
            answer = send(reader, method, url, api=True)
            refuses_keys = not getattr(route.view_class, "allow_api_key", True)
            if answer.status not in (404, 405) and not (answer.status == 403 and refuses_keys):
                problems.append(f"{method} {url} [{route.name}] with A's read key: {answer}")
    assert not problems, report("B's objects a read key of A reached", problems)


def test_a_key_opens_no_page(world):
    """Keys are for the API: every page sends a key's bearer to sign in, as if anonymous."""
    writer = api_client(world.a.raw_api_key)
    problems: list[str] = []
    with unchanged(problems, "A key's walk of the pages"):
        for route in page_routes():
            url = url_of(route, world)
            for method in METHODS:
                answer = send(writer, method, url, api=False)
                signed_in = answer.status == 302 and answer.location.startswith("/accounts/login/")
                if answer.writes or not signed_in:
                    problems.append(f"{method} {url} [{route.name}] with an API key: {answer}")
    assert not problems, report("Pages an API key opened", problems)


def test_a_revoked_key_is_refused_on_the_very_next_request_everywhere(world):
    writer = api_client(world.a.raw_api_key)
    assert send(writer, "GET", "/api/v1/surveys/", api=True).status == 200  # it worked
    api_key_revoke(api_key=world.a.api_key, actor=world.a.owner)
    problems: list[str] = []
    with unchanged(problems, "A revoked key's walk"):
        for route in api_routes():
            url = url_of(route, world)
            for method in METHODS:
                answer = send(writer, method, url, api=True)
                if answer.status != 401 or answer.writes:
                    problems.append(f"{method} {url} [{route.name}] with a revoked key: {answer}")
    assert not problems, report("Routes a revoked key still opens", problems)
    # Revoking A's key leaves B's key working: keys are per business.
    assert send(api_client(world.b.raw_api_key), "GET", "/api/v1/surveys/", api=True).status == 200


def test_a_key_revoked_on_the_page_is_refused_at_once(world, client_of):
    writer = api_client(world.a.raw_api_key)
    assert send(writer, "GET", "/api/v1/customers/", api=True).status == 200
    revoke = f"/accounts/api-keys/{world.a.api_key.uuid}/revoke/"
    assert send(client_of(world.a.owner), "POST", revoke, api=False).status == 302
    answer = send(writer, "POST", "/api/v1/customers/", api=True)
    assert answer.status == 401 and not answer.writes
