"""Lists and filters never show another business's rows.

Every route that names no object (pages and API, found by the resolver) is fetched by
a member of A, once as it is and once for each filter it offers set to B's object: the
page's own GET forms and links name the filters of a page, the OpenAPI schema those of
the API. Nothing of B may appear: none of B's uuids, none of B's marker text. A filter
parameter the test does not know fails it, so a new filter gets a B value too.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.test import Client, override_settings

from .isolation_routes import Route, all_routes, routes_of, schema_query_parameters
from .isolation_samples import PUBLIC_ROUTES, object_arguments, values_for
from .isolation_walking import Answer, api_client, report, send, unchanged
from .isolation_world import MARKER_A, MARKER_B, Side, World, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

# Filters that name an object: the value is B's object's uuid.
OBJECT_FILTERS = {
    "location": lambda side: side.location.uuid,
    "survey": lambda side: side.survey.uuid,
    "touchpoint": lambda side: side.touchpoint.uuid,
    "stage": lambda side: side.stage.uuid,
    "source": lambda side: side.review_source.uuid,
    "customer": lambda side: side.customer.uuid,
}
# Filters that search text: the value is a word only B's customer holds (not B's marker,
# since a page may repeat what was searched for).
TEXT_FILTERS = {
    "q": lambda side: side.search_word,
    "tag": lambda side: side.search_word,
    # The audit log's person: a member's e-mail address.
    "person": lambda side: side.owner.email,
    "actor": lambda side: side.owner.email,
}
# Filters and paging that name nothing of a business (periods, scales, flags, cursors);
# they are still sent, with a value of their kind, so every filter is exercised.
PLAIN_FILTERS = {
    "cursor": "",
    "page": "2",
    "page_size": "10",
    "start": "2024-01-01",
    "end": "2030-12-31",
    "grain": "month",
    "segment": "new",
    "channel": "link",
    "margin": "0.3",
    "rating": "2",
    "replied": "no",
    "sentiment": "negative",
    "deleted": "no",
    "acknowledged": "no",
    "unacknowledged": "1",
    "status": "open",
    "mine": "1",
    "overdue": "1",
    "audience": "recent",
    "days": "30",
    "download": "1",
    "action": "api_key.create",
}


# Query parameters a view reads that no form of its page and no schema names (a script's
# search box, a link from elsewhere that preselects a site).
UNDISCOVERABLE_FILTERS = {
    "interactions:customer_search": {"q"},
    "api:customer-list": {"q"},
    "reputation:review_add": {"source"},
    "reputation:reviews_import": {"source"},
}


class FilterFinder(HTMLParser):
    """The names a page's GET forms send and its same-page links carry."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path, self.names, self.in_get_form = path, set(), False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self.in_get_form = (attributes.get("method") or "get").lower() == "get"
        elif tag in ("input", "select", "textarea") and self.in_get_form:
            if attributes.get("name") and attributes.get("type") != "submit":
                self.names.add(attributes["name"])
        elif tag == "a" and attributes.get("href"):
            link = urlsplit(attributes["href"])
            if link.query and link.path in ("", self.path):
                self.names.update(name for name, _ in parse_qsl(link.query))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_get_form = False


def list_routes() -> list[Route]:
    """Routes that name no object and are not public: lists, dashboards, exports, forms."""
    return [r for r in all_routes() if r.name not in PUBLIC_ROUTES and not object_arguments(r)]


# Routes that read the filters of another page's form (its CSV export, its print view).
FILTERS_OF_PAGE = {
    "metrics:dashboard-csv": "/dashboard/",
    "journeys:print": "/journeys/",
}


def filters_of(route: Route, page: Answer, url: str, client: Client) -> set[str]:
    extra = UNDISCOVERABLE_FILTERS.get(route.name, set())
    if route.is_api:
        return schema_query_parameters(route.template) | extra
    if route.name in FILTERS_OF_PAGE:
        url = FILTERS_OF_PAGE[route.name]
        page = send(client, "GET", url, api=False, keep_body=True)
    finder = FilterFinder(urlsplit(url).path)
    finder.feed(page.body)
    return finder.names | extra


def filter_value(name: str, side: Side) -> str | None:
    if name in OBJECT_FILTERS:
        return str(OBJECT_FILTERS[name](side))
    if name in TEXT_FILTERS:
        return TEXT_FILTERS[name](side)
    return PLAIN_FILTERS.get(name)


def leaks(answer: Answer, theirs: set[str], sent: set[str]) -> list[str]:
    """B's uuids (but those A sent in the query, which a page may repeat) and B's marker."""
    found = [uuid for uuid in theirs - sent if uuid in answer.body]
    return found + ([MARKER_B] if MARKER_B in answer.body else [])


class ListWalker:
    def __init__(self, client: Client, world: World, who: str) -> None:
        self.client, self.world, self.who = client, world, who
        self.theirs = world.b.uuids()  # read once: the walk writes nothing (it is checked)
        self.showing_own_rows: list[str] = []

    def problems(self, route: Route) -> list[str]:
        url = route.url(values_for(route, dict.fromkeys(route.kwargs, self.world.a)))
        plain = self.get(url, route)
        if plain.status != 200:
            # Nothing listed: a redirect, a route that takes no GET, or one this walker may
            # not use (the role tests prove who may).
            reachable = plain.status not in (302, 403, 405)
            return [f"GET {url} as {self.who}: {plain}"] if reachable else []
        if MARKER_A in plain.body:
            self.showing_own_rows.append(route.name)
        found = self.check(plain, url, set())
        for name in sorted(filters_of(route, plain, url, self.client)):
            found.extend(self.filtered(route, url, name))
        return found

    def filtered(self, route: Route, url: str, name: str) -> list[str]:
        value = filter_value(name, self.world.b)
        if value is None:
            return [f"{route}: unknown filter {name!r}; give it a value in test_isolation_lists"]
        filtered_url = f"{url}?{urlencode({name: value})}"
        answer = self.get(filtered_url, route)
        if answer.status >= 500 or answer.writes:
            return [f"GET {filtered_url} as {self.who}: {answer}"]
        return self.check(answer, filtered_url, {value})

    def check(self, answer: Answer, url: str, sent: set[str]) -> list[str]:
        found = leaks(answer, self.theirs, sent)
        return [f"GET {url} as {self.who} shows B's {', '.join(found)}"] if found else []

    def get(self, url: str, route: Route) -> Answer:
        return send(self.client, "GET", url, api=route.is_api, keep_body=True)


def walk_lists(walker: ListWalker, routes: list[Route]) -> list[str]:
    problems: list[str] = []
    with unchanged(problems, f"Reading lists as {walker.who}"):
        for route in routes:
            problems.extend(walker.problems(route))
    return problems


def test_no_list_or_filter_shows_a_member_of_a_anything_of_b(world, client_of):
    walker = ListWalker(client_of(world.a.owner), world, "alice")
    problems = walk_lists(walker, list_routes())
    assert not problems, report("Lists that show B's rows to A", problems)
    # The check means something only where the world's rows reach the lists at all.
    shown = set(walker.showing_own_rows)
    assert {"customers:list", "api:customer-list", "reputation:inbox", "api:review-list"} <= shown
    assert {"interactions:list", "api:interaction-list", "api:audit-entry-list"} <= shown


def test_no_api_list_shows_a_key_of_a_anything_of_b(world):
    walker = ListWalker(api_client(world.a.raw_api_key), world, "A's API key")
    problems = walk_lists(walker, [route for route in list_routes() if route.is_api])
    assert not problems, report("API lists that show B's rows to A's key", problems)
    assert len(walker.showing_own_rows) >= 10


@override_settings(ROOT_URLCONF="tests.security.isolation_canary_urls")
def test_it_reports_a_planted_unscoped_list(world, client_of):
    canary = [r for r in routes_of(None) if r.name == "canary-unscoped-list"]
    problems = walk_lists(ListWalker(client_of(world.a.owner), world, "alice"), canary)
    assert problems == [f"GET /canary/locations/ as alice shows B's {MARKER_B}"]


def test_the_markers_do_show_where_they_belong(world, client_of):
    """B's owner sees B's marker on the pages A's check looks at: the check is not blind."""
    client = client_of(world.b.owner)
    for path in ("/customers/", "/api/v1/customers/", f"/customers/?q={world.b.search_word}"):
        assert (
            MARKER_B in send(client, "GET", path, api=path.startswith("/api/"), keep_body=True).body
        )
