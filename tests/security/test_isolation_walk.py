"""Every route, every method, as a member of business A aimed at business B's objects.

The routes come from the URL resolver (and the API's from the OpenAPI schema too), so a
route added later is walked without editing this file. Each answer must be 404, the
answer an object that does not exist gets (405 only where an unknown object gets 405
too), so nothing tells A that B's object exists; and no row of any table may change.
"""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from .isolation_outsiders import Outsider, object_routes, walk
from .isolation_routes import METHODS, all_routes, routes_of, schema_operations
from .isolation_samples import PUBLIC_ROUTES, MissingSample, object_arguments, values_for
from .isolation_walking import Answer, api_client, report, send, send_undone
from .isolation_world import world_fixture  # noqa: F401 - the `world` fixture

pytestmark = pytest.mark.django_db


class TestDiscovery:
    def test_every_api_path_of_the_schema_is_found_by_the_resolver(self):
        found = {route.template for route in all_routes() if route.is_api}
        missing = sorted(set(schema_operations()) - found)
        assert not missing, f"Schema paths the resolver walk did not find: {missing}"

    def test_every_api_route_of_the_resolver_is_in_the_schema(self):
        documented = set(schema_operations())
        api_routes = [r for r in all_routes() if r.template.startswith("/api/v1/")]
        undocumented = sorted(str(r) for r in api_routes if r.template not in documented)
        assert not undocumented, f"API routes missing from the OpenAPI schema: {undocumented}"

    def test_the_walk_finds_the_routes_it_must(self):
        # A floor, not a count to keep in step: a broken discovery finds few or none.
        templates = {route.template for route in all_routes()}
        assert {"/surveys/{survey_uuid}/questions/{question_uuid}/", "/api/v1/reviews/{uuid}/",
                "/customers/{customer_uuid}/edit/", "/accounts/api-keys/"} <= templates  # fmt: skip
        assert len(object_routes()) >= 70

    def test_every_url_argument_has_a_sample_value(self):
        problems = []
        for route in all_routes():
            try:
                object_arguments(route)
            except MissingSample as error:
                problems.append(str(error))
        assert not problems, report("URL arguments without a sample", problems)

    def test_every_public_route_still_exists(self):
        names = {route.name for route in all_routes()}
        stale = sorted(set(PUBLIC_ROUTES) - names)
        assert not stale, f"PUBLIC_ROUTES names routes that no longer exist: {stale}"

    def test_every_public_route_is_open_to_anonymous_visitors(self, world):
        """The allowlist exempts a route from the walk: it must hold only routes that are
        public indeed (a private route put there by mistake would escape every check)."""
        closed = []
        for route in [r for r in all_routes() if r.name in PUBLIC_ROUTES]:
            url = route.url(values_for(route, dict.fromkeys(route.kwargs, world.b)))
            answer = send(Client(), "GET", url, api=route.is_api)
            signing_in = answer.status == 302 and "/login/" in answer.location
            if signing_in or answer.status in (401, 403, 404) or answer.status >= 500:
                closed.append(f"GET {url} [{route.name}] anonymously: {answer}")
        assert not closed, report("PUBLIC_ROUTES that are not public", closed)


class TestOutsiders:
    def test_a_member_of_a_gets_404_for_every_object_of_b_and_changes_nothing(
        self, world, client_of
    ):
        outsider = Outsider(client_of(world.a.owner), world, "alice")
        problems = walk(outsider, object_routes())
        assert not problems, report("Routes that answer A about B's objects", problems)
        assert outsider.requests >= len(object_routes()) * len(METHODS)

    def test_an_api_key_of_a_gets_404_for_every_object_of_b_and_changes_nothing(self, world):
        client = api_client(world.a.raw_api_key)  # write scope: nothing refused for scope
        outsider = Outsider(client, world, "A's API key", by_key=True)
        problems = walk(outsider, [route for route in object_routes() if route.is_api])
        assert not problems, report("API routes that answer A's key about B's objects", problems)

    def test_the_samples_name_objects_their_owner_reaches(self, world, client_of):
        """The walk above proves something only if its URLs reach B's objects for B's
        owner: a wrong sample would get 404 from everyone."""
        client = client_of(world.b.owner)
        unreached = []
        for route in object_routes():
            url = route.url(values_for(route, dict.fromkeys(route.kwargs, world.b)))
            answers = owner_answers(client, url, api=route.is_api)
            if not any(answer.status not in (404, 405) for answer in answers.values()):
                unreached.append(f"{route}: {url} answers its owner {answers}")
        assert not unreached, report("Samples their owner cannot reach", unreached)


class TestTheWalkCanFail:
    """Three planted leaks in an otherwise identical URL configuration: the walk, run on
    it exactly as above, must report each (an unscoped read, a 403 that confirms the
    object, and a write before the 404)."""

    @override_settings(ROOT_URLCONF="tests.security.isolation_canary_urls")
    def test_it_reports_every_planted_leak(self, world, client_of):
        from .isolation_canary_urls import CANARIES

        canaries = [r for r in routes_of(None) if r.name in CANARIES and r.kwargs]
        assert len(canaries) == 3  # discovered like any other route
        problems = walk(Outsider(client_of(world.a.owner), world, "alice"), canaries)
        text = "\n".join(problems)
        assert "[canary-unscoped-read] as alice: 200" in text
        assert "[canary-forbidden] as alice: 403" in text
        assert "[canary-writes] as alice: 404 and wrote UPDATE reputation_review" in text
        assert "The walk as alice changed rows in reputation.Review" in text


def owner_answers(client: Client, url: str, *, api: bool) -> dict[str, Answer]:
    """GET, then (for routes that only take writes) POST, undone afterwards."""
    answers = {"GET": send_undone(client, "GET", url, api=api)}
    if answers["GET"].status == 405:
        for method in ("POST", "PATCH", "PUT", "DELETE"):
            answers[method] = send_undone(client, method, url, api=api)
            if answers[method].status != 405:
                break
    return answers
