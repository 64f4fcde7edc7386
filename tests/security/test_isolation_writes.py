"""Writes that name another business's objects in their fields are refused.

Each case below is a valid write of business A (its positive control goes through, and
is undone); then each field that names an object gets B's object instead, and the write
must be refused with that field named, writing nothing. Which fields name objects is
discovered, not listed: request fields of the OpenAPI schema that are uuids (or name an
object), and the fields of every form a page of A shows whose choices are uuids or whose
name is an object's. A discovered field with no case fails the test.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.test import Client, override_settings
from django.urls import Resolver404, resolve

from .isolation_routes import all_routes, openapi_schema
from .isolation_samples import PUBLIC_ROUTES, values_for
from .isolation_walking import Answer, report, rolled_back, send_body, unchanged
from .isolation_world import Side, World, world_fixture  # noqa: F401 - the `world` fixture

pytestmark = pytest.mark.django_db

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# Field names that name an object even where a page offers no uuid choices (a hidden
# customer filled in by the page's script, a member picked by id, a review by uuid).
OBJECT_FIELD_NAMES = {
    "customer", "customers", "location", "touchpoint", "survey", "stage", "source", "question",
    "show_if_question", "assignee", "review", "order",
}  # fmt: skip
SideValue = Callable[[Side], object]


@dataclass(frozen=True)
class Write:
    """A valid write of A; `refs` are its fields that name objects, as a side's values
    (a dotted name is a nested field, which the case's `body` puts in its place)."""

    route: str
    method: str
    url: Callable[[Side], str]
    body: Callable[[dict], dict]
    refs: dict[str, SideValue]
    api: bool = True
    # Whether the write, when accepted, stores something (previews and checks do not).
    stores: bool = True
    # Further values of A the body needs that name no object to swap (answers by question).
    extra: dict[str, SideValue] = field(default_factory=dict)
    # A page's words for a refused field it cannot mark aria-invalid (a hidden input).
    page_errors: dict[str, str] = field(default_factory=dict)


def uuid_of(name: str) -> SideValue:
    return lambda side: str(getattr(side, name).uuid)


NOW = "2024-05-01T10:00:00Z"


def stages_of(side: Side) -> list:
    return list(side.journey.stages.order_by("position").values_list("uuid", flat=True))


def last_stage(side: Side):
    return side.journey.stages.order_by("position").last()


def touchpoints_of(side: Side) -> list:
    return list(side.stage.touchpoints.order_by("position").values_list("uuid", flat=True))


def scale_question(side: Side):
    """An earlier question a follow-up may depend on: the survey's first scale question."""
    return side.survey.questions.exclude(kind="text").order_by("position").first()


def a_score(side: Side) -> dict:
    """Answers to every question of the side's survey."""
    questions = side.survey.questions.all()
    return {str(q.uuid): ("Fine." if q.kind == "text" else 9) for q in questions}


def a_default_score(side: Side) -> dict:
    """Answers to the survey the side's e-mail invitation is for (the default NPS one)."""
    score = side.invitation.survey.questions.order_by("position").first()
    return {str(score.uuid): 9}


def csv_file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = b"author,date,rating,text\nSam,2024-05-01,4,Good coffee.\n"
    return SimpleUploadedFile("reviews.csv", content, content_type="text/csv")


API_WRITES = [
    Write("api:interaction-list", "POST", lambda s: "/api/v1/interactions/",
          lambda r: {"channel": "phone", "note": "asked about opening hours", **r},
          {"customer": uuid_of("customer"), "location": uuid_of("location"),
           "touchpoint": uuid_of("touchpoint")}),
    Write("api:invitation-list", "POST", lambda s: "/api/v1/invitations/", lambda r: r,
          {"survey": uuid_of("survey"), "customers": lambda s: [str(s.customer.uuid)]}),
    Write("api:journey-touchpoint-list", "POST", lambda s: "/api/v1/journey/touchpoints/",
          lambda r: {"name": "Parking", **r}, {"stage": uuid_of("stage")}),
    Write("api:journey-touchpoint-detail", "PATCH",
          lambda s: f"/api/v1/journey/touchpoints/{s.touchpoint.uuid}/",
          lambda r: {"name": "Welcome desk", **r}, {"stage": lambda s: str(last_stage(s).uuid)}),
    Write("api:journey-stage-reorder", "POST", lambda s: "/api/v1/journey/stages/reorder/",
          lambda r: r, {"order": lambda s: [str(u) for u in stages_of(s)]}),
    Write("api:journey-stage-touchpoints-reorder", "POST",
          lambda s: f"/api/v1/journey/stages/{s.stage.uuid}/touchpoints/reorder/", lambda r: r,
          {"order": lambda s: [str(u) for u in touchpoints_of(s)]}),
    Write("api:purchase-list", "POST", lambda s: "/api/v1/purchases/",
          lambda r: {"purchased_at": NOW, "amount": "9.90", "order_reference": "T-1", **r},
          {"customer": uuid_of("customer"), "location": uuid_of("location")}),
    Write("api:purchase-list", "POST", lambda s: "/api/v1/purchases/",
          lambda r: {"purchases": [{"purchased_at": NOW, "amount": "9.90",
                                    "order_reference": "T-2",
                                    "customer": r["purchases.customer"],
                                    "location": r["purchases.location"]}]},
          {"purchases.customer": uuid_of("customer"), "purchases.location": uuid_of("location")}),
    Write("api:review-request-list", "POST", lambda s: "/api/v1/review-requests/",
          lambda r: {"audience": "everyone", **r}, {"source": uuid_of("review_source")},
          stores=False),  # the world's one customer was asked lately: nobody to ask again
    Write("api:review-request-preview", "POST", lambda s: "/api/v1/review-requests/preview/",
          lambda r: {"audience": "everyone", **r}, {"source": uuid_of("review_source")},
          stores=False),
    Write("api:review-source-list", "POST", lambda s: "/api/v1/review-sources/",
          lambda r: {"provider": "manual", "name": "Our shop page",
                     "review_page_url": "https://shop.example/reviews", **r},
          {"location": uuid_of("location")}),
    Write("api:review-source-detail", "PATCH",
          lambda s: f"/api/v1/review-sources/{s.review_source.uuid}/", lambda r: r,
          {"location": uuid_of("location")}),
    Write("api:review-empathy-check", "POST", lambda s: "/api/v1/reviews/empathy-check/",
          lambda r: {"text": "Thank you, we are sorry.", **r}, {"review": uuid_of("review")},
          stores=False),
    Write("api:survey-list", "POST", lambda s: "/api/v1/surveys/",
          lambda r: {"name": "After the visit", **r}, {"touchpoint": uuid_of("touchpoint")}),
    Write("api:survey-detail", "PATCH", lambda s: f"/api/v1/surveys/{s.survey.uuid}/",
          lambda r: r, {"touchpoint": uuid_of("touchpoint")}),
    Write("api:survey-questions", "POST", lambda s: f"/api/v1/surveys/{s.survey.uuid}/questions/",
          lambda r: {"kind": "text", "prompt": "Anything else?",
                     "show_if": {"question": r["show_if.question"], "min": 0, "max": 6}},
          {"show_if.question": lambda s: str(scale_question(s).uuid)}),
    Write("api:question-detail", "PUT", lambda s: f"/api/v1/questions/{s.question.uuid}/",
          lambda r: {"kind": "text", "prompt": "Anything else?",
                     "show_if": {"question": r["show_if.question"], "min": 0, "max": 6}},
          {"show_if.question": lambda s: str(scale_question(s).uuid)}),
    Write("api:case-detail", "PATCH", lambda s: f"/api/v1/cases/{s.case.uuid}/", lambda r: r,
          {"assignee": lambda s: s.owner.email}),
    Write("api:public-survey-responses", "POST",
          lambda s: f"/api/v1/public/surveys/{s.survey.uuid}/responses/",
          lambda r: {"answers": r["answers"], "location": r["location"]},
          {"location": uuid_of("location")}, extra={"answers": a_score}),
    Write("api:public-invitation-responses", "POST",
          lambda s: f"/api/v1/public/invitations/{s.invitation.token}/responses/",
          lambda r: {"answers": r["answers"], "location": r["location"]},
          {"location": uuid_of("location")}, extra={"answers": a_default_score}),
]  # fmt: skip

PAGE_WRITES = [
    Write("interactions:new", "POST", lambda s: "/interactions/new/",
          lambda r: {"channel": "phone", "note": "asked about opening hours", **r},
          {"customer": uuid_of("customer"), "location": uuid_of("location"),
           "touchpoint": uuid_of("touchpoint")}, api=False,
          page_errors={"customer": "This business has no such customer."}),
    Write("customers:purchase_add", "POST", lambda s: f"/customers/{s.customer.uuid}/purchases/",
          lambda r: {"purchased_at": "2024-05-01 10:00", "amount": "9.90", "currency": "EUR",
                     **r},
          {"location": uuid_of("location")}, api=False),
    Write("builder:edit", "POST", lambda s: f"/surveys/{s.survey.uuid}/",
          lambda r: {"name": "After the visit", "status": "active", "allow_anonymous": "on",
                     **r},
          {"touchpoint": uuid_of("touchpoint")}, api=False),
    Write("builder:question_add", "POST", lambda s: f"/surveys/{s.survey.uuid}/questions/",
          lambda r: {"kind": "text", "prompt": "Anything else?", "show_if_min": "0",
                     "show_if_max": "6", **r},
          {"show_if_question": lambda s: str(scale_question(s).uuid)}, api=False),
    Write("builder:question_edit", "POST",
          lambda s: f"/surveys/{s.survey.uuid}/questions/{s.question.uuid}/",
          lambda r: {"kind": "text", "prompt": "Anything else?", "show_if_min": "0",
                     "show_if_max": "6", **r},
          {"show_if_question": lambda s: str(scale_question(s).uuid)}, api=False),
    Write("cases:update", "POST", lambda s: f"/cases/{s.case.uuid}/update/",
          lambda r: {"status": "contacted", "due_at": "2030-01-01T10:00", **r},
          {"assignee": lambda s: str(s.owner.pk)}, api=False),
    Write("journeys:edit_touchpoint", "POST",
          lambda s: f"/journeys/edit/touchpoints/{s.touchpoint.uuid}/",
          lambda r: {"name": "Welcome desk", **r}, {"stage": lambda s: str(last_stage(s).uuid)},
          api=False),
    Write("reputation:source_connect_provider", "POST",
          lambda s: "/reviews/sources/connect/manual/",
          lambda r: {"name": "Our shop page", "review_page_url": "https://shop.example/r", **r},
          {"location": uuid_of("location")}, api=False),
    Write("reputation:source_edit", "POST",
          lambda s: f"/reviews/sources/{s.review_source.uuid}/edit/",
          lambda r: {"name": "Our shop page", "review_page_url": "https://shop.example/r", **r},
          {"location": uuid_of("location")}, api=False),
    Write("reputation:review_add", "POST", lambda s: "/reviews/sources/add-review/",
          lambda r: {"author": "Sam", "date": "2024-05-01", "rating": "4",
                     "text": "Good coffee.", **r},
          {"source": uuid_of("review_source")}, api=False),
    Write("reputation:reviews_import", "POST", lambda s: "/reviews/sources/import/",
          lambda r: {"file": csv_file(), **r}, {"source": uuid_of("review_source")}, api=False),
    Write("reputation:requests", "POST", lambda s: "/reviews/requests/",
          lambda r: {"audience": "everyone", **r}, {"source": uuid_of("review_source")},
          api=False, stores=False),
]  # fmt: skip

WRITES = API_WRITES + PAGE_WRITES


# --- Sending a case ------------------------------------------------------------------------


def refs_of(write: Write, side: Side) -> dict[str, object]:
    return {name: value(side) for name, value in write.refs.items()}


def with_other(refs: dict, name: str, theirs: object) -> dict:
    """A's values with one field naming B's object; in a list, B's object among A's."""
    ours = refs[name]
    if isinstance(ours, list):
        return {**refs, name: [*ours[:-1], theirs[0]]}
    return {**refs, name: theirs}


def submit(client: Client, write: Write, side: Side, refs: dict) -> Answer:
    extra = {name: value(side) for name, value in write.extra.items()}
    body = write.body({**refs, **extra})
    return send_body(client, write.method, write.url(side), body, api=write.api)


def names_the_field(answer: Answer, write: Write, name: str) -> bool:
    """The refusal says which field: the API's `errors`, or the page's form errors."""
    leaf = name.split(".")[-1]
    if write.api:
        errors = json.loads(answer.body or "{}").get("errors", {})
        return any(leaf in key or name.split(".")[0] in key for key in errors)
    # Django marks a field with errors aria-invalid, and lists a hidden field's by name.
    marked = re.search(rf'<(?:select|input|textarea)[^>]*name="{leaf}"[^>]*>', answer.body)
    invalid = marked is not None and 'aria-invalid="true"' in marked[0]
    return invalid or write.page_errors.get(leaf, "\0") in answer.body


def accepted(answer: Answer, write: Write) -> bool:
    stored = bool(answer.writes) or not write.stores
    return answer.status in (200, 201, 202, 204, 302) and stored


def case_problems(client: Client, world: World, write: Write) -> list[str]:
    ours = refs_of(write, world.a)
    with rolled_back():
        control = submit(client, write, world.a, ours)
    label = f"{write.method} {write.url(world.a)} [{write.route}]"
    if not accepted(control, write):
        return [f"{label} with A's own objects is not accepted ({control}): fix the case"]
    theirs = refs_of(write, world.b)
    found = []
    for name in write.refs:
        answer = submit(client, write, world.a, with_other(ours, name, theirs[name]))
        if answer.writes or answer.status != 400 or not names_the_field(answer, write, name):
            found.append(f"{label} with B's {name}: {answer} {answer.body[:200]!r}")
    return found


def test_writes_naming_another_business_s_objects_are_refused(world, client_of):
    client = client_of(world.a.owner)
    problems: list[str] = []
    with unchanged(problems, "Refused writes"):
        for write in WRITES:
            problems.extend(case_problems(client, world, write))
    assert not problems, report("Writes that accept B's objects", problems)


@override_settings(ROOT_URLCONF="tests.security.isolation_canary_urls")
def test_it_reports_a_planted_write_that_takes_another_business_s_object(world, client_of):
    canary = Write("canary-unscoped-write", "POST", lambda s: "/canary/customers/", lambda r: r,
                   {"location": uuid_of("location")}, api=False)  # fmt: skip
    problems = case_problems(client_of(world.a.owner), world, canary)
    assert len(problems) == 1
    assert "[canary-unscoped-write] with B's location: 302 -> /customers/ and wrote" in problems[0]


# --- Every field that names an object has a case -------------------------------------------


def covered() -> set[tuple[str, str]]:
    return {(w.route, name.split(".")[-1]) for w in WRITES for name in w.refs} | {
        (w.route, name.split(".")[0]) for w in WRITES for name in w.refs
    }


def resolve_schema(schema: dict) -> dict:
    components = openapi_schema()["components"]["schemas"]
    while "$ref" in schema:
        schema = components[schema["$ref"].split("/")[-1]]
    return schema


def object_fields(schema: dict) -> set[str]:
    """Names of writable fields (at any depth) that hold a uuid or name an object."""
    schema = resolve_schema(schema)
    found: set[str] = set()
    for combined in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(combined, []):
            found |= object_fields(part)
    for name, prop in schema.get("properties", {}).items():
        prop = resolve_schema(prop)
        if prop.get("readOnly"):
            continue
        items = resolve_schema(prop.get("items", {}))
        if "uuid" in (prop.get("format"), items.get("format")) or name in OBJECT_FIELD_NAMES:
            found.add(name)
        found |= object_fields(prop) | object_fields(items)
    return found


def schema_object_fields() -> set[tuple[str, str]]:
    routes = {route.template: route.name for route in all_routes()}
    found = set()
    for path, operations in openapi_schema()["paths"].items():
        for operation in operations.values():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                found |= {(routes[path], name) for name in object_fields(body["schema"])}
    return found


class PostForms(HTMLParser):
    """The POST forms of a page: where each goes, and which fields name objects."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, set[str]]] = []
        self.fields: set[str] | None = None  # those of the POST form we are in
        self.select = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "form":
            posts = (a.get("method") or "").lower() == "post"
            self.fields = set() if posts else None
            if posts:
                self.forms.append((a.get("action") or "", self.fields))
        elif tag in ("input", "select", "textarea") and self.fields is not None and a.get("name"):
            self.select = a["name"] if tag == "select" else ""
            if a["name"] in OBJECT_FIELD_NAMES or UUID.match(a.get("value") or ""):
                self.fields.add(a["name"])
        elif tag == "option" and self.select and UUID.match(a.get("value") or ""):
            self.fields.add(self.select)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.fields = None


def page_object_fields(client: Client, world: World) -> set[tuple[str, str]]:
    found = set()
    for route in all_routes():
        if route.is_api or route.name in PUBLIC_ROUTES:
            continue
        url = route.url(values_for(route, dict.fromkeys(route.kwargs, world.a)))
        page = send_body(client, "GET", url, None, api=False)
        if page.status != 200:
            continue
        parser = PostForms()
        parser.feed(page.body)
        for action, names in parser.forms:
            try:
                target = resolve(urlsplit(action).path or url).view_name
            except Resolver404:
                continue
            found |= {(target, name) for name in names}
    return found


def test_every_field_naming_an_object_has_a_case(world, client_of):
    discovered = schema_object_fields() | page_object_fields(client_of(world.a.owner), world)
    missing = [f"{route}: {name}" for route, name in sorted(discovered - covered())]
    assert not missing, report("Fields naming objects without a cross-business case", missing)
    assert len(discovered) >= 20  # the discovery itself works
