from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.http import HttpRequest
from django.test import Client, override_settings
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from accounts.models import Role
from accounts.services import membership_add
from cxplatform.celery import app as celery_app
from cxplatform.onboarding import business_onboard
from tests.e2e import CHROMIUM
from tests.factories import UserFactory
from tests.workers import worker  # noqa: F401 - a fixture for the real-worker tests

# CI explores the same inputs on every run, so a red build always names a reproducible
# case; elsewhere each run tries new ones (a failure prints the example to replay).
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

REAL_WORKER_NEEDS = "a PostgreSQL DATABASE_URL and a CELERY_BROKER_URL"
BROWSER_NEEDS = f"Chromium at {CHROMIUM}"


def postgresql_available() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def real_services_available() -> bool:
    return postgresql_available() and bool(os.environ.get("CELERY_BROKER_URL"))


def chromium_available() -> bool:
    return os.access(CHROMIUM, os.X_OK)


@dataclass(frozen=True)
class Needs:
    """Tests with `marker` can only run where `available()`; `setup` says what provides it."""

    marker: str
    kind: str
    what: str
    setup: str
    available: Callable[[], bool]


NEEDS = (
    Needs(
        marker="real_worker",
        kind="real-worker",
        what=REAL_WORKER_NEEDS,
        setup=".ci/run sets both",
        available=real_services_available,
    ),
    Needs(
        marker="postgresql",
        kind="PostgreSQL",
        what="a PostgreSQL DATABASE_URL (concurrent writers, large bulk writes)",
        setup=".ci/run sets it",
        available=postgresql_available,
    ),
    Needs(
        marker="browser",
        kind="browser",
        what=BROWSER_NEEDS,
        setup=".ci/run installs it",
        available=chromium_available,
    ),
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Real-worker tests need real services, browser tests need Chromium. A newcomer
    without them still gets a green suite (with a clear note); CI must never lose them,
    so there it is an error. It runs last, after `-m` has deselected what a run leaves out
    on purpose (CI's SQLite pass leaves out the PostgreSQL-only tests)."""
    notes = [note for needs in NEEDS if (note := deselect_unless_available(config, items, needs))]
    if notes:
        config._cx_deselected_notes = notes


def deselect_unless_available(config, items, needs: Needs) -> str | None:
    if needs.available():
        return None
    lacking = [item for item in items if item.get_closest_marker(needs.marker)]
    if not lacking:
        return None
    if os.environ.get("CI"):
        raise pytest.UsageError(f"CI must run the {needs.kind} tests: they need {needs.what}.")
    config.hook.pytest_deselected(items=lacking)
    items[:] = [item for item in items if not item.get_closest_marker(needs.marker)]
    return f"{len(lacking)} {needs.kind} tests not run: they need {needs.what} ({needs.setup})."


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    for note in getattr(config, "_cx_deselected_notes", ()):
        terminalreporter.write_line(note, yellow=True)


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the site's default language: a request in Spanish (a survey in
    Spanish activates its language) leaves it active in the thread, as in production
    until the thread's next request, and a later test must not run in it."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True, scope="session")
def client_login_gives_a_request():
    """django-axes (the sign-in lock-out) refuses authenticate() without the request;
    Django's test Client.login() passes none. Give it one, so tests can still sign in
    with client.login(username=..., password=...)."""
    login = Client.login

    def login_with_a_request(self, **credentials):
        credentials.setdefault("request", HttpRequest())
        return login(self, **credentials)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Client, "login", login_with_a_request)
        yield


@pytest.fixture(autouse=True)
def eager_tasks(request):
    """Run Celery tasks in-process, except in tests that go through a real worker. The
    setting is the one source: Celery's conf reads Django's settings as it is asked, and
    the platform reads the setting itself (cxplatform.celery.tasks_run_eagerly)."""
    if request.node.get_closest_marker("real_worker"):
        yield
        return
    with override_settings(CELERY_TASK_ALWAYS_EAGER=True):
        assert celery_app.conf.task_always_eager
        yield


@pytest.fixture
def alice(db):
    return UserFactory(email="alice@a.example", first_name="Alice")


@pytest.fixture
def business_a(alice):
    """Alice's café; she owns it."""
    return business_onboard(name="Alice's Café", owner=alice, industry="food_drink")


@pytest.fixture
def mia(business_a):
    user = UserFactory(email="mia@a.example", first_name="Mia")
    membership_add(business=business_a, user=user, role=Role.MANAGER)
    return user


@pytest.fixture
def bob(business_a):
    user = UserFactory(email="bob@a.example", first_name="Bob")
    membership_add(business=business_a, user=user, role=Role.STAFF)
    return user


@pytest.fixture
def charlie(db):
    """An outsider: owner of another business, who must never see business A."""
    return UserFactory(email="charlie@b.example", first_name="Charlie")


@pytest.fixture
def business_b(charlie):
    return business_onboard(name="Charlie's Salon", owner=charlie, industry="beauty")


@pytest.fixture
def client_of():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def survey_a(business_a):
    return default_survey(business_a)


@pytest.fixture
def survey_b(business_b):
    return default_survey(business_b)


def default_survey(business):
    from feedback.models import Survey

    return Survey.objects.get(business=business, is_default=True)
