"""Every route the app answers, found from the URL resolver and the OpenAPI schema.

Nothing here lists routes by hand: a route added later is walked without anyone
editing the isolation tests, and the two sources are compared so that neither can
silently drop one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
SAFE_METHODS = ("GET", "HEAD")
# Django's own admin is the platform operator's tool, gated by `is_staff` (no business
# member has it); it is checked once in test_isolation_roles, not walked route by route.
OPERATOR_NAMESPACES = ("admin",)

_ROUTE_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")
_REGEX_LEFTOVER = re.compile(r"[\\^$()\[\]*+?|]")


@dataclass(frozen=True)
class Route:
    """One URL pattern: '/surveys/{survey_uuid}/', its name and its view."""

    template: str
    name: str
    kwargs: tuple[str, ...]
    callback: Callable
    namespaces: tuple[str, ...] = ()

    @property
    def is_api(self) -> bool:
        return self.template.startswith("/api/")

    def url(self, values: dict[str, str]) -> str:
        return self.template.format(**values)

    @property
    def view_class(self) -> type | None:
        return getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)

    def __str__(self) -> str:
        return f"{self.name or '<unnamed>'} {self.template}"


def piece_template(pattern) -> str:
    """One level of a pattern as a template piece with {kwarg} slots."""
    if isinstance(pattern, RoutePattern):
        return _ROUTE_ARGUMENT.sub(lambda m: "{" + m["name"] + "}", str(pattern))
    if isinstance(pattern, RegexPattern):
        text = str(pattern).removeprefix("^").removesuffix("$")
        text = _REGEX_GROUP.sub(lambda m: "{" + m["name"] + "}", text).replace(r"\.", ".")
        if _REGEX_LEFTOVER.search(text):
            raise AssertionError(f"The walk cannot turn the URL regex {pattern} into a path.")
        return text
    raise AssertionError(f"Unknown URL pattern type {type(pattern).__name__}: {pattern}")


def walk_resolver(resolver: URLResolver, prefix: str = "/", spaces: tuple = ()) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        template = prefix + piece_template(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = (*spaces, entry.namespace) if entry.namespace else spaces
            yield from walk_resolver(entry, template, inner)
        elif isinstance(entry, URLPattern):
            name = ":".join((*spaces, entry.name)) if entry.name else ""
            kwargs = tuple(re.findall(r"{(\w+)}", template))
            yield Route(template, name, kwargs, entry.callback, spaces)


@cache
def all_routes() -> tuple[Route, ...]:
    """Every route but the operator's admin, in the resolver's order."""
    return routes_of(None)


def routes_of(urlconf: str | None) -> tuple[Route, ...]:
    return tuple(
        route
        for route in walk_resolver(get_resolver(urlconf))
        if not set(route.namespaces) & set(OPERATOR_NAMESPACES)
    )


@cache
def operator_routes() -> tuple[Route, ...]:
    return tuple(
        route
        for route in walk_resolver(get_resolver())
        if set(route.namespaces) & set(OPERATOR_NAMESPACES)
    )


@cache
def openapi_schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def schema_operations() -> dict[str, set[str]]:
    """Path template -> the HTTP methods the schema documents for it."""
    return {
        path: {method.upper() for method in operations if method.upper() in METHODS}
        for path, operations in openapi_schema()["paths"].items()
    }


def schema_query_parameters(template: str) -> set[str]:
    """The query parameters the schema documents for one path (any method)."""
    operations = openapi_schema()["paths"].get(template, {})
    return {
        parameter["name"]
        for operation in operations.values()
        if isinstance(operation, dict)
        for parameter in operation.get("parameters", [])
        if parameter.get("in") == "query"
    }


def route_by_name(name: str) -> Route:
    for route in all_routes():
        if route.name == name:
            return route
    raise AssertionError(f"No route is named {name!r}.")
