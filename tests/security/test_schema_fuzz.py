"""schemathesis against the app's own OpenAPI schema, in-process through WSGI.

Business A's owner calls every operation with a write API key, on a world where every
kind of object exists (full of hostile text), half the time naming the real object in
the path and half the time whatever schemathesis makes up; with valid inputs and with
inputs that break the schema. No answer may be a server error, every answer's status
must be one the schema documents and its body must match the schema. Operations are
walked reads first, then writes, deletes last, so most writes still find their object.
"""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import checks
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode

from accounts.models import AuditEntry, Membership, Role, TeamInvitation
from cxplatform.wsgi import application
from metrics.clv_jobs import clv_fit_job_start

from .hostile_world import World, build_world

pytestmark = pytest.mark.django_db

# Examples per operation and mode: about 100 operations, so the whole walk stays near a
# thousand requests (about a minute on PostgreSQL on CI's two cores).
EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 3}
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.response_schema_conformance,
]
# Reads an API key may not make: the team is managed by signed-in people only.
REFUSED_TO_KEYS = {"GET /api/v1/team/{uuid}/", "GET /api/v1/team/invitations/{uuid}/"}
METHOD_ORDER = {"GET": 0, "POST": 1, "PUT": 1, "PATCH": 1, "DELETE": 2}

# The object a path under /api/v1/ names, by the collection it starts with (the longest
# prefix wins). A new collection needs a line here (and its object in the world): the
# test fails naming it rather than fuzzing it with made-up uuids only.
SAMPLES = {
    "alerts/": lambda w: w.alert.uuid,
    "aspects/": lambda w: w.aspect.uuid,
    "audit-entries/": lambda w: AuditEntry.objects.filter(business=w.business).first().uuid,
    "cases/": lambda w: w.case.uuid,
    # The business's queued fit (starting returns the one already queued).
    "clv-fit-jobs/": lambda w: clv_fit_job_start(business=w.business).uuid,
    "customer-imports/": lambda w: w.customer_import.uuid,
    "customers/": lambda w: w.customer.uuid,
    "interactions/": lambda w: w.interaction.uuid,
    "invitations/": lambda w: w.invitation.uuid,
    "journey/stages/": lambda w: w.stage.uuid,
    "journey/touchpoints/": lambda w: w.touchpoint.uuid,
    "public/invitations/": lambda w: w.invitation.token,
    "public/surveys/": lambda w: w.survey.uuid,
    "purchases/": lambda w: w.purchase_uuid,
    "questions/": lambda w: w.question.uuid,
    "rescores/": lambda w: w.rescore.uuid,
    "responses/": lambda w: w.response.uuid,
    "review-requests/": lambda w: w.review_request.uuid,
    "review-sources/": lambda w: w.source.uuid,
    "reviews/": lambda w: w.review.uuid,
    "surveys/": lambda w: w.survey.uuid,
    "team/invitations/": lambda w: TeamInvitation.objects.filter(business=w.business).first().uuid,
    "team/": lambda w: Membership.objects.get(business=w.business, role=Role.STAFF).uuid,
}


@pytest.fixture
def wsgi_in_the_test_transaction():
    """A WSGI request closes "old" database connections when it starts and ends, which
    would close the one holding the test's transaction; Django's test client unhooks
    the same signal for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(business_a, alice, django_capture_on_commit_callbacks) -> World:
    return build_world(business_a, alice, capture=django_capture_on_commit_callbacks)


def sample_for(path: str, world: World) -> str | None:
    """The real object's uuid (or token) for a path that names one, None for the others."""
    if "{" not in path:
        return None
    rest = path.removeprefix("/api/v1/")
    matches = [prefix for prefix in SAMPLES if rest.startswith(prefix)]
    assert matches, f"No sample object for {path}: add its collection to SAMPLES."
    return str(SAMPLES[max(matches, key=len)](world))


def strategy_for(operation, world: World, mode: GenerationMode):
    """Half real objects, half made-up ones (which must give a documented 404)."""
    made_up = operation.as_strategy(generation_mode=mode)
    sample = sample_for(operation.path, world)
    if sample is None:
        return made_up
    (name,) = [p.name for p in operation.path_parameters]
    real = operation.as_strategy(generation_mode=mode, path_parameters={name: sample})
    return st.one_of(real, made_up)


def fuzz(
    operation, world: World, mode: GenerationMode, tried: Counter, succeeded: set[str]
) -> str | None:
    """Run one operation's examples; what went wrong, or None."""
    headers = {"Authorization": f"Api-Key {world.api_key}"}

    @settings(
        max_examples=EXAMPLES[mode], deadline=None, database=None,
        phases=[Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(case=strategy_for(operation, world, mode))
    def call(case):
        tried[operation.label] += 1
        reply = case.call_and_validate(headers=headers, checks=CHECKS)
        if 200 <= reply.status_code < 300:
            succeeded.add(operation.label)

    try:
        call()
    except Unsatisfiable:
        # Nothing this operation takes can break its schema (no parameters, or only
        # ones every value fits): the valid examples are all there is to send.
        assert mode is GenerationMode.NEGATIVE, operation.label
    # schemathesis raises its findings as a group (not an Exception): every operation's
    # findings are reported, not just the first operation's.
    except (Exception, BaseExceptionGroup) as failure:
        return f"{mode.name} {operation.label}:\n{describe(failure)}"
    return None


def modes(operation) -> list[GenerationMode]:
    """Valid inputs always; inputs that break the schema where there is an input to break."""
    declared = operation.definition.raw
    takes_input = bool(declared.get("parameters") or declared.get("requestBody"))
    return [GenerationMode.POSITIVE, GenerationMode.NEGATIVE][: 2 if takes_input else 1]


def describe(failure: BaseException) -> str:
    parts = getattr(failure, "exceptions", None) or [failure]
    return "\n".join(str(part)[:1500] for part in parts)


def test_every_operation_answers_as_its_schema_says(world, wsgi_in_the_test_transaction):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    loaded = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in loaded), [
        r for r in loaded if not isinstance(r, Ok)
    ]
    operations = sorted(
        (result.ok() for result in loaded), key=lambda op: METHOD_ORDER[op.method.upper()]
    )
    tried: Counter = Counter()
    succeeded: set[str] = set()
    failures = [
        failure
        for operation in operations
        for mode in modes(operation)
        if (failure := fuzz(operation, world, mode, tried, succeeded))
    ]
    assert not failures, "\n\n".join(failures)
    # Every operation was really called (a strategy that generates nothing hides it),
    # and the calls reached the world's objects through the test's own transaction.
    assert set(tried) == {operation.label for operation in operations}
    reads = {op.label for op in operations if op.method.upper() == "GET" and "{" in op.path}
    assert reads - succeeded <= REFUSED_TO_KEYS, sorted(reads - succeeded)
    print(
        f"schemathesis: {len(operations)} operations, {sum(tried.values())} requests, "
        f"{len(succeeded)} operations answered 2xx"
    )
