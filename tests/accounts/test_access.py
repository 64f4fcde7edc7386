from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Role
from accounts.services import membership_add
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_sign_in_with_email_and_password_lands_an_owner_on_the_dashboard(alice, business_a):
    client = Client()
    reply = client.post(
        "/accounts/login/", {"username": "alice@a.example", "password": TEST_PASSWORD}
    )
    assert reply.status_code == 302
    assert client.get("/").url == "/dashboard/"


def test_a_wrong_password_is_refused(alice, business_a):
    reply = Client().post("/accounts/login/", {"username": "alice@a.example", "password": "nope"})
    assert reply.status_code == 200
    assert "enter a correct" in reply.content.decode().lower()


def test_staff_land_on_interactions(bob, client_of):
    assert client_of(bob).get("/").url == "/interactions/"


def test_sign_out_ends_the_session(alice, business_a, client_of):
    client = client_of(alice)
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/dashboard/").status_code == 302


def test_anonymous_visitors_are_sent_to_sign_in(db):
    for path in ["/", "/dashboard/", "/interactions/", "/accounts/api-keys/"]:
        reply = Client().get(path)
        assert reply.status_code == 302, path
        assert reply.url.startswith("/accounts/login/"), path


def test_a_user_without_a_business_is_told_why(db, client_of):
    loner = UserFactory(email="loner@example.com")
    reply = client_of(loner).get("/dashboard/")
    assert reply.status_code == 403
    assert "not part of a business" in reply.content.decode()


@pytest.mark.parametrize(
    ("path", "owner", "manager", "staff"),
    [
        ("/dashboard/", 200, 200, 403),
        ("/interactions/", 200, 200, 200),
        ("/accounts/api-keys/", 200, 403, 403),
    ],
)
def test_each_role_reaches_only_its_pages(path, owner, manager, staff, alice, mia, bob, client_of):
    assert client_of(alice).get(path).status_code == owner
    assert client_of(mia).get(path).status_code == manager
    assert client_of(bob).get(path).status_code == staff


class TestBusinessSwitcher:
    def test_a_member_of_two_businesses_can_switch(self, alice, business_a, business_b, client_of):
        membership_add(business=business_b, user=alice, role=Role.MANAGER)
        client = client_of(alice)
        assert "Alice&#x27;s Café" in client.get("/dashboard/").content.decode()
        reply = client.post(f"/accounts/switch/{business_b.uuid}/")
        assert reply.status_code == 302
        page = client.get("/dashboard/").content.decode()
        assert "<h1>Charlie&#x27;s Salon</h1>" in page
        # Manager in B: the owner-only page is closed now.
        assert client.get("/accounts/api-keys/").status_code == 403

    def test_it_hides_other_businesses(self, alice, business_a, business_b, client_of):
        client = client_of(alice)
        assert client.post(f"/accounts/switch/{business_b.uuid}/").status_code == 404
        assert "Alice&#x27;s Café" in client.get("/dashboard/").content.decode()

    def test_a_switch_must_be_a_post(self, alice, business_a, client_of):
        assert client_of(alice).get(f"/accounts/switch/{business_a.uuid}/").status_code == 405
