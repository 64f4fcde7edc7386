"""Guessing passwords: django-axes counts wrong tries per e-mail and address together,
locks after AXES_FAILURE_LIMIT of them for AXES_COOLOFF_TIME, and the person sees a
friendly page (429) saying when to try again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db.models import F
from django.test import Client

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
SHOP_WIFI = "203.0.113.7"


def sign_in(client: Client, email: str, password: str, address: str = SHOP_WIFI):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=address)


def guess_wrong(times: int, email: str = "alice@a.example", address: str = SHOP_WIFI) -> list:
    return [sign_in(Client(), email, "not-her-password", address) for _ in range(times)]


def signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def test_the_limit_and_cool_off_default_to_five_tries_and_fifteen_minutes():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


def test_wrong_passwords_up_to_the_limit_lock_the_account(alice, business_a):
    replies = guess_wrong(settings.AXES_FAILURE_LIMIT)
    assert [r.status_code for r in replies[:-1]] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert "enter a correct" in replies[0].content.decode().lower()
    assert replies[-1].status_code == 429


def test_the_right_password_is_refused_until_the_cool_off_has_passed(alice, business_a):
    guess_wrong(settings.AXES_FAILURE_LIMIT)
    client = Client()
    refused = sign_in(client, "alice@a.example", TEST_PASSWORD)
    assert refused.status_code == 429 and not signed_in(client)
    # Sixteen minutes later (the attempts' clock moved back rather than waiting).
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=16))
    reply = sign_in(client, "alice@a.example", TEST_PASSWORD)
    assert reply.status_code == 302 and signed_in(client)


def test_another_person_on_the_same_wifi_is_not_locked(alice, mia, business_a):
    guess_wrong(settings.AXES_FAILURE_LIMIT)
    client = Client()
    assert sign_in(client, "mia@a.example", TEST_PASSWORD).status_code == 302
    assert signed_in(client)


def test_the_same_person_elsewhere_is_not_locked_by_a_guesser(alice, business_a):
    guess_wrong(settings.AXES_FAILURE_LIMIT, address="198.51.100.66")
    client = Client()
    assert sign_in(client, "alice@a.example", TEST_PASSWORD).status_code == 302


def test_changing_the_case_of_the_address_does_not_reset_the_count(alice, business_a):
    spellings = ["alice@a.example", "ALICE@a.example", " Alice@A.Example "]
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        guess_wrong(1, email=spellings[attempt % len(spellings)])
    assert guess_wrong(1, email="aLiCe@a.example")[0].status_code == 429


def test_the_lock_out_page_says_when_to_try_again(alice, business_a):
    locked = guess_wrong(settings.AXES_FAILURE_LIMIT)[-1]
    html = locked.content.decode()
    assert locked.status_code == 429
    assert locked["Retry-After"] == str(15 * 60)
    assert "Too many attempts" in html
    assert "Please try again in 15 minutes" in html
    assert 'class="card"' in html and 'href="/accounts/login/"' in html  # the sign-in design
    assert "not-her-password" not in html


def test_the_lock_out_page_is_translated(alice, business_a):
    guess_wrong(settings.AXES_FAILURE_LIMIT - 1)
    reply = Client().post(
        LOGIN, {"username": "alice@a.example", "password": "x"},
        REMOTE_ADDR=SHOP_WIFI, HTTP_ACCEPT_LANGUAGE="es",
    )  # fmt: skip
    assert reply.status_code == 429
    assert "Demasiados intentos" in reply.content.decode()
    assert "Vuelve a intentarlo dentro de 15 minutos" in reply.content.decode()


def test_a_good_sign_in_clears_the_earlier_failures(alice, business_a):
    guess_wrong(settings.AXES_FAILURE_LIMIT - 1)
    assert sign_in(Client(), "alice@a.example", TEST_PASSWORD).status_code == 302
    assert guess_wrong(settings.AXES_FAILURE_LIMIT - 1)[-1].status_code == 200


def test_tests_can_still_sign_in_with_client_login(alice, business_a):
    client = Client()
    assert client.login(username="alice@a.example", password=TEST_PASSWORD)
    assert client.get("/dashboard/").status_code == 200
    assert not Client().login(username="alice@a.example", password="wrong")


def test_the_admin_sign_in_is_guarded_too(db):
    from tests.factories import UserFactory

    UserFactory(email="operator@x.example", is_staff=True, is_superuser=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        reply = Client().post(
            "/admin/login/", {"username": "operator@x.example", "password": "guess"},
            REMOTE_ADDR=SHOP_WIFI,
        )  # fmt: skip
    assert reply.status_code == 429
