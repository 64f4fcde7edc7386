"""Walking every route as one member of business A, on A's own objects (the role tests)."""

from __future__ import annotations

from django.test import Client

from .isolation_routes import Route, all_routes
from .isolation_samples import PUBLIC_ROUTES, values_for
from .isolation_walking import Answer, send_undone, unchanged
from .isolation_world import World


def walked_routes() -> list[Route]:
    return [route for route in all_routes() if route.name not in PUBLIC_ROUTES]


class RoleWalker:
    """One member of A, every route on A's own objects, each request undone."""

    def __init__(self, client: Client, owner: Client, world: World, who: str) -> None:
        self.client, self.owner, self.world, self.who = client, owner, world, who

    def url(self, route: Route) -> str:
        return route.url(values_for(route, dict.fromkeys(route.kwargs, self.world.a)))

    def refused(self, route: Route, method: str) -> str | None:
        """None when `method` is refused as it must be: 403 (or 405 as for the owner)."""
        url = self.url(route)
        answer = send_undone(self.client, method, url, api=route.is_api)
        if answer.status == 403 and not answer.writes:
            return None
        if answer.status == 405 and self.owner_gets(route, method).status == 405:
            return None
        return f"{method} {url} [{route.name}] as {self.who}: {answer}, expected 403"

    def allowed(self, route: Route, method: str) -> str | None:
        """None when `method` is let through: neither refused nor hidden nor broken."""
        url = self.url(route)
        answer = send_undone(self.client, method, url, api=route.is_api)
        if answer.status not in (403, 404) and answer.status < 500:
            return None
        return f"{method} {url} [{route.name}] as {self.who}: {answer}, expected no 403/404/5xx"

    def owner_gets(self, route: Route, method: str) -> Answer:
        return send_undone(self.owner, method, self.url(route), api=route.is_api)


def walk_roles(walker: RoleWalker, check) -> list[str]:
    problems: list[str] = []
    with unchanged(problems, f"The walk as {walker.who}"):
        for route in walked_routes():
            problems.extend(check(walker, route))
    return problems
