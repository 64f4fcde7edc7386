"""Passwords are held to Django's validators wherever one is set: the settings name them,
and the ways a password is set here (createsuperuser, the operator's admin pages for
adding a user and changing a password) refuse a weak one."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.management.commands import createsuperuser
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

STRONG = "tangerine kettle orbit 47"
# Why it is weak (as the validator words it) -> the password.
WEAK = {
    "too short": "Xq7#pz",
    "too common": "password123",
    "entirely numeric": "4839201759",
    "too similar to the email": "operator.example",
}


def test_the_settings_name_all_four_validators():
    assert [v["NAME"].rsplit(".", 1)[1] for v in settings.AUTH_PASSWORD_VALIDATORS] == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]


@pytest.mark.parametrize("why", WEAK)
def test_each_weak_password_is_refused_with_its_reason(why):
    user = User(email="operator@operator.example")
    with pytest.raises(ValidationError) as refused:
        password_validation.validate_password(WEAK[why], user=user)
    assert why in " ".join(refused.value.messages).lower()


def test_a_strong_password_and_the_test_password_pass():
    user = User(email="operator@operator.example")
    assert password_validation.validate_password(STRONG, user=user) is None
    assert password_validation.validate_password(TEST_PASSWORD, user=user) is None


@pytest.fixture
def operator_client():
    operator = UserFactory(email="root@platform.example", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(operator)
    return client


def test_the_admin_refuses_a_weak_password_for_a_new_user(operator_client):
    add = "/admin/accounts/user/add/"
    weak = {"email": "new@a.example", "password1": "password123", "password2": "password123"}
    reply = operator_client.post(add, weak)
    assert reply.status_code == 200 and "too common" in reply.content.decode()
    assert not User.objects.filter(email="new@a.example").exists()
    strong = {**weak, "password1": STRONG, "password2": STRONG}
    assert operator_client.post(add, strong).status_code == 302
    assert User.objects.get(email="new@a.example").check_password(STRONG)


def test_the_admin_refuses_a_weak_password_change(operator_client, alice):
    change = f"/admin/accounts/user/{alice.pk}/password/"
    reply = operator_client.post(change, {"password1": "12345678", "password2": "12345678"})
    assert reply.status_code == 200 and "entirely numeric" in reply.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(TEST_PASSWORD)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_createsuperuser_asks_again_for_a_weak_password(monkeypatch):
    """Typed at the prompt: "password123" is refused, the operator declines to bypass the
    check, and the strong password typed next is the one kept."""
    typed = iter(["password123", "password123", STRONG, STRONG])
    monkeypatch.setattr(createsuperuser.getpass, "getpass", lambda prompt="": next(typed))
    monkeypatch.setattr("builtins.input", lambda prompt="": "n")
    errors = io.StringIO()
    call_command(
        "createsuperuser", email="root@platform.example", interactive=True,
        stdin=Terminal(), stdout=io.StringIO(), stderr=errors,
    )  # fmt: skip
    assert "This password is too common." in errors.getvalue()
    assert User.objects.get(email="root@platform.example").check_password(STRONG)
