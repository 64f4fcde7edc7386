"""What the walk puts in each URL argument, and which routes are meant for everyone.

A URL argument the registry does not know fails the walk with the route and the
argument named: a new kind of object needs a sample here (and an object in
isolation_world.py) before its routes can be proven isolated. Nothing is skipped.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable

from accounts.api import BusinessScopedViewSet
from accounts.models import Membership

from .isolation_routes import Route
from .isolation_world import Side

SideValue = Callable[[Side], object]

# URL argument -> the object of a business it names (its uuid goes in the URL).
OBJECT_ARGUMENTS: dict[str, SideValue] = {
    "business_uuid": lambda side: side.business,
    "key_uuid": lambda side: side.api_key,
    "survey_uuid": lambda side: side.survey,
    "question_uuid": lambda side: side.question,
    "interaction_uuid": lambda side: side.interaction,
    "case_uuid": lambda side: side.case,
    "import_uuid": lambda side: side.customer_import,
    "customer_uuid": lambda side: side.customer,
    "alert_uuid": lambda side: side.alert,
    "aspect_uuid": lambda side: side.aspect,
    "stage_uuid": lambda side: side.stage,
    "touchpoint_uuid": lambda side: side.touchpoint,
    "review_uuid": lambda side: side.review,
    "source_uuid": lambda side: side.review_source,
    # A member the business's managers may manage (the owner is the dedicated test's).
    "member_uuid": lambda side: side.staff_membership,
    "invitation_uuid": lambda side: side.team_invitation,
    "answer_uuid": lambda side: side.answer,
}

# (route name, argument) -> the secret token of an e-mailed link, where one argument name
# means different things (tokens are secrets rather than uuids).
TOKEN_ARGUMENTS: dict[tuple[str, str], Callable[[Side], str]] = {
    ("channels:invitation", "token"): lambda side: side.invitation.token,
    ("channels:unsubscribe", "token"): lambda side: side.invitation.token,
    ("api:public-invitation-responses", "token"): lambda side: side.invitation.token,
    ("reputation:request_click", "token"): lambda side: side.review_request.token,
    ("reputation:request_unsubscribe", "token"): lambda side: side.review_request.token,
    ("accounts:team_accept", "token"): lambda side: side.team_invitation_token,
    # The logo's URL holds the image's hash (an old hash finds nothing).
    ("feedback:logo", "version"): lambda side: side.business.logo_version,
}

# Arguments that name no object (the same for every business): their sample value.
PLAIN_ARGUMENTS: dict[str, str] = {
    "provider": "feed",  # reviews/sources/connect/<provider>/: which kind of site to connect
    "extension": "png",  # s/logo/<business_uuid>/<version>.<extension>: the world's logos
}

# Routes meant for anyone, signed in or not, whatever business they belong to; the walk
# does not ask them for 404 (their own tests cover what they refuse). Each says why.
PUBLIC_ROUTES: dict[str, str] = {
    "healthz": "load balancers and monitoring probe it; it names no business",
    "accounts:login": "signing in",
    "accounts:logout": "signing out",
    "feedback:survey": "customers answer a survey from its link or QR code",
    "feedback:survey_thanks": "the page after a customer answered",
    "channels:embed": "the survey inside the iframe on the business's own site",
    "channels:embed_thanks": "the thank-you page inside that iframe",
    "channels:invitation": "a customer opens the survey from the e-mail (secret token)",
    "channels:unsubscribe": "a customer unsubscribes from the e-mail (secret token)",
    "reputation:request_click": "the review-request e-mail's link (secret token)",
    "reputation:request_unsubscribe": "unsubscribing from a review request (secret token)",
    "api:public-survey": "the public API: a survey's questions for widgets",
    "api:public-survey-responses": "the public API: customers submit answers",
    "api:public-invitation-responses": "the public API: answering an e-mail invitation",
    "schema": "the OpenAPI description of the API; it holds no business data",
    "api-docs": "the browsable API docs; they hold no business data",
    "accounts:team_accept": "joining a team from the e-mailed invitation (secret token)",
    "feedback:logo": "the business's logo on its public survey pages",
}


# Model -> the object the router's `uuid` names, where a side holds several of the model.
MODEL_SAMPLES: dict[type, SideValue] = {
    Membership: lambda side: side.staff_membership,
}


class MissingSample(AssertionError):
    pass


def no_sample(route: Route, argument: str) -> str:
    return (
        f"{route}: no sample value for the URL argument {argument!r}; add it to "
        "OBJECT_ARGUMENTS, TOKEN_ARGUMENTS or PLAIN_ARGUMENTS in "
        "tests/security/isolation_samples.py."
    )


def scoped_viewset_model(route: Route):
    view_class = route.view_class
    if isinstance(view_class, type) and issubclass(view_class, BusinessScopedViewSet):
        return view_class.model
    return None


def object_for(route: Route, argument: str, side: Side) -> object:
    """The object of `side` that `argument` names in `route`.

    The router's `uuid` names the object of the view set's own model, so a new view
    set over a model the world holds is walked without an entry here."""
    if argument in OBJECT_ARGUMENTS:
        return OBJECT_ARGUMENTS[argument](side)
    model = scoped_viewset_model(route) if argument == "uuid" else None
    if model in MODEL_SAMPLES:
        return MODEL_SAMPLES[model](side)
    if model is not None:
        found = side.of_model(model)
        if found is None:
            raise MissingSample(
                f"{route}: the world holds no {model.__name__} for the argument {argument!r}; "
                "add one to tests/security/isolation_world.py."
            )
        return found
    raise MissingSample(no_sample(route, argument))


def is_token(route: Route, argument: str) -> bool:
    return (route.name, argument) in TOKEN_ARGUMENTS


def value_of(route: Route, argument: str, side: Side) -> str:
    if argument in PLAIN_ARGUMENTS:
        return PLAIN_ARGUMENTS[argument]
    if is_token(route, argument):
        return TOKEN_ARGUMENTS[(route.name, argument)](side)
    return str(object_for(route, argument, side).uuid)


def object_arguments(route: Route) -> tuple[str, ...]:
    """The route's arguments that name an object (raises on one it cannot fill)."""
    return tuple(a for a in route.kwargs if a not in PLAIN_ARGUMENTS and check_known(route, a))


def check_known(route: Route, argument: str) -> bool:
    if (route.name, argument) in TOKEN_ARGUMENTS or argument in OBJECT_ARGUMENTS:
        return True
    if argument == "uuid" and scoped_viewset_model(route) is not None:
        return True
    raise MissingSample(no_sample(route, argument))


def values_for(route: Route, sides: dict[str, Side]) -> dict[str, str]:
    """Each argument filled from the side named for it ("a"/"b"); plain ones as given."""
    return {argument: value_of(route, argument, sides[argument]) for argument in route.kwargs}


def random_values(route: Route) -> dict[str, str]:
    """Values that name nothing at all, for the answer an unknown object gets."""
    values = {}
    for argument in route.kwargs:
        if argument in PLAIN_ARGUMENTS:
            values[argument] = PLAIN_ARGUMENTS[argument]
        elif is_token(route, argument):
            values[argument] = secrets.token_urlsafe(32)
        else:
            values[argument] = str(uuid.uuid4())
    return values
