"""A member of business A walking routes aimed at business B's objects (the walk's engine).

Each answer must be 404, or exactly what an object that does not exist gets where that
tells nothing (405: the route never takes the method); and no request may write.
"""

from __future__ import annotations

from django.test import Client

from .isolation_routes import METHODS, Route, all_routes
from .isolation_samples import PUBLIC_ROUTES, object_arguments, random_values, values_for
from .isolation_walking import Answer, send, unchanged
from .isolation_world import World


def object_routes() -> list[Route]:
    """Routes that name at least one object and are not meant for the public."""
    return [
        route
        for route in all_routes()
        if route.name not in PUBLIC_ROUTES and object_arguments(route)
    ]


def variants(route: Route) -> list[dict[str, str]]:
    """All of B's objects; and, where a route names several, each one of B's among A's
    (A's survey with B's question must not reach B's question either)."""
    named = object_arguments(route)
    every = {argument: "b" for argument in route.kwargs}
    if len(named) < 2:
        return [every]
    mixed = [{a: ("b" if a == one else "a") for a in route.kwargs} for one in named]
    return [every, *mixed]


def hides(answer: Answer, unknown: Answer, route: Route, *, by_key: bool, role: bool) -> bool:
    """404; or the answer an unknown object gets where that tells nothing about the
    object: 405 (the route never takes the method), 403 to an API key on a view that
    refuses every key, or (`role`) 403 to a member whose role the route refuses: each
    comes before anything is looked up."""
    if answer.status == 404:
        return True
    if answer.status != unknown.status:
        return False
    refuses_keys = by_key and not getattr(route.view_class, "allow_api_key", True)
    return answer.status == 405 or (answer.status == 403 and (refuses_keys or role))


class Outsider:
    """One walker of business A aiming at B's objects, route by route. `role`: the walker's
    role may be refused on some routes (staff), which must then be so for any object."""

    def __init__(
        self, client: Client, world: World, who: str, *, by_key: bool = False, role: bool = False
    ) -> None:
        self.client, self.world, self.who = client, world, who
        self.by_key, self.role = by_key, role
        self.requests = 0

    def problems(self, route: Route) -> list[str]:
        unknown = UnknownAnswers(self, route)
        sides = {"a": self.world.a, "b": self.world.b}
        found = []
        for variant in variants(route):
            url = route.url(values_for(route, {k: sides[v] for k, v in variant.items()}))
            for method in METHODS:
                answer = self.send(method, url, route)
                hidden = hides(answer, unknown[method], route, by_key=self.by_key, role=self.role)
                if answer.writes or not hidden:
                    found.append(
                        f"{method} {url} [{route.name}] as {self.who}: {answer}, "
                        f"where an unknown object gets {unknown[method]}"
                    )
        return found

    def send(self, method: str, url: str, route: Route) -> Answer:
        self.requests += 1
        return send(self.client, method, url, api=route.is_api)


class UnknownAnswers:
    """What a uuid that names nothing gets, asked only where B's object did not get 404."""

    def __init__(self, outsider: Outsider, route: Route) -> None:
        self.outsider, self.route = outsider, route
        self.url = route.url(random_values(route))
        self.answers: dict[str, Answer] = {}

    def __getitem__(self, method: str) -> Answer:
        if method not in self.answers:
            self.answers[method] = self.outsider.send(method, self.url, self.route)
        return self.answers[method]


def walk(outsider: Outsider, routes: list[Route]) -> list[str]:
    problems: list[str] = []
    with unchanged(problems, f"The walk as {outsider.who}"):
        for route in routes:
            problems.extend(outsider.problems(route))
    return problems
