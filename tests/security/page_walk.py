"""Every GET route of the app, found from the URL resolver, filled in with the objects of
the hostile world (tests/security/hostile_world.py).

A route whose URL argument has no sample here fails the walk, naming both: a new kind
of page is walked as soon as it has an object, never skipped in silence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from accounts.models import ApiKey, AuditEntry, Business, Membership, Role, TeamInvitation
from feedback.models import Answer
from reputation.models import Provider, Review
from textanalysis.models import Alert

from .hostile_world import World

# The operator's Django admin is not a business page; it shows no business's pages.
SKIPPED_NAMESPACES = {"admin"}
_ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


@dataclass(frozen=True)
class Route:
    template: str  # "/surveys/<uuid:survey_uuid>/"
    name: str  # "builder:edit"

    @property
    def arguments(self) -> list[str]:
        return [a or b for a, b in _ARGUMENT.findall(self.template)]

    def url(self, values: dict[str, str]) -> str:
        path = _ARGUMENT.sub(lambda m: values[m[1] or m[2]], self.template)
        return path.replace("^", "").replace("$", "").replace("\\", "")


def walk(patterns, prefix: str = "/", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        piece = prefix + pattern_text(entry.pattern)
        if isinstance(entry, URLResolver):
            if entry.namespace in SKIPPED_NAMESPACES:
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, piece, inner)
        elif isinstance(entry, URLPattern):
            yield Route(piece, f"{namespace}{entry.name or ''}")


def pattern_text(pattern) -> str:
    if isinstance(pattern, RoutePattern | RegexPattern):
        return str(pattern).removeprefix("^")
    raise AssertionError(f"Unknown URL pattern type: {pattern!r}")


def all_routes() -> list[Route]:
    return list(walk(get_resolver().url_patterns))


# --- Samples ----------------------------------------------------------------------------

Sample = Callable[[World], list[str]]


def each(*objects) -> list[str]:
    return [str(getattr(o, "uuid", o)) for o in objects]


BY_ARGUMENT: dict[str, Sample] = {
    "survey_uuid": lambda w: each(w.survey),
    "question_uuid": lambda w: each(w.question),
    "case_uuid": lambda w: each(w.case),
    "customer_uuid": lambda w: each(w.customer, w.imported_customer),
    "import_uuid": lambda w: each(w.customer_import),
    "interaction_uuid": lambda w: each(w.interaction),
    "alert_uuid": lambda w: each(*Alert.objects.filter(business=w.business)),
    "aspect_uuid": lambda w: each(w.aspect),
    "stage_uuid": lambda w: each(w.stage),
    "touchpoint_uuid": lambda w: each(w.touchpoint),
    "review_uuid": lambda w: each(*Review.objects.filter(business=w.business)),
    "source_uuid": lambda w: each(w.source),
    "key_uuid": lambda w: each(ApiKey.objects.filter(business=w.business).first()),
    "business_uuid": lambda w: each(w.business),
    "answer_uuid": lambda w: each(*Answer.objects.filter(business=w.business).exclude(text="")),
    "member_uuid": lambda w: each(Membership.objects.get(business=w.business, role=Role.STAFF)),
    "invitation_uuid": lambda w: each(TeamInvitation.objects.filter(business=w.business).first()),
    "provider": lambda w: list(Provider.values),
    # The survey pages' logo: s/logo/<business_uuid>/<version>.<extension> (none: a 404).
    "version": lambda w: [Business.objects.get(pk=w.business.pk).logo_version or "none"],
    "extension": lambda w: ["png"],
}
# Tokens and the API's `uuid` name different things on different routes.
TOKEN_BY_ROUTE: dict[str, Sample] = {
    "channels:invitation": lambda w: [w.invitation.token],
    "channels:unsubscribe": lambda w: [w.invitation.token],
    "api:public-invitation-responses": lambda w: [w.invitation.token],
    "reputation:request_click": lambda w: [w.review_request.token],
    "reputation:request_unsubscribe": lambda w: [w.review_request.token],
    # Only the token's hash is kept, so no page can be reached with a stored one; the
    # refusal page is what anyone guessing sees.
    "accounts:team_accept": lambda w: ["not-a-token"],
}
API_OBJECTS: dict[str, Sample] = {
    "alert": BY_ARGUMENT["alert_uuid"],
    "aspect": BY_ARGUMENT["aspect_uuid"],
    "audit-entry": lambda w: each(AuditEntry.objects.filter(business=w.business).first()),
    "case": BY_ARGUMENT["case_uuid"],
    "clv-fit-job": lambda w: each(w.clv_fit_job),
    "customer": BY_ARGUMENT["customer_uuid"],
    "customer-import": BY_ARGUMENT["import_uuid"],
    "interaction": BY_ARGUMENT["interaction_uuid"],
    "invitation": lambda w: each(w.invitation),
    "journey-stage": BY_ARGUMENT["stage_uuid"],
    "journey-touchpoint": BY_ARGUMENT["touchpoint_uuid"],
    "purchase": lambda w: [w.purchase_uuid],
    "question": BY_ARGUMENT["question_uuid"],
    "rescore": lambda w: each(w.rescore),
    "response": lambda w: each(w.response),
    "review": BY_ARGUMENT["review_uuid"],
    "review-request": lambda w: each(w.review_request),
    "review-source": BY_ARGUMENT["source_uuid"],
    "survey": BY_ARGUMENT["survey_uuid"],
    "team-invitation": BY_ARGUMENT["invitation_uuid"],
    "team-member": BY_ARGUMENT["member_uuid"],
}


class MissingSample(AssertionError):
    pass


def samples(route: Route, argument: str, world: World) -> list[str]:
    if argument == "token" and route.name in TOKEN_BY_ROUTE:
        return TOKEN_BY_ROUTE[route.name](world)
    if argument == "uuid" and route.name.startswith("api:"):
        kind = route.name.removeprefix("api:")
        matches = [k for k in API_OBJECTS if kind.startswith(k)]
        if matches:
            return API_OBJECTS[max(matches, key=len)](world)
    if argument in BY_ARGUMENT:
        return BY_ARGUMENT[argument](world)
    raise MissingSample(
        f"No sample for <{argument}> of {route.name} {route.template}: "
        "add one to tests/security/page_walk.py (and its object to hostile_world.py)."
    )


def urls(route: Route, world: World) -> list[str]:
    """The route filled with each sample of its argument (routes name one object)."""
    arguments = route.arguments
    if not arguments:
        return [route.url({})]
    values = {argument: samples(route, argument, world) for argument in arguments}
    count = max(len(found) for found in values.values())
    return [
        route.url({a: found[min(i, len(found) - 1)] for a, found in values.items()})
        for i in range(count)
    ]
