"""The team page and API: who may invite, change and remove whom, and the e-mailed invitation.

alice owns business A, mia manages it, bob is staff; charlie owns business B (the outsider).
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEntry, Membership, Role, TeamInvitation, User
from accounts.services import api_key_create, membership_add
from accounts.tasks import send_team_invitation
from accounts.team import TeamRefused, hash_token, team_role_change
from cxplatform.celery import app as celery_app
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/accounts/team/"
API = "/api/v1/team/"
GOOD_PASSWORD = "plum-orchard-lantern-47"
ACCEPT_LINK = re.compile(r"/accounts/invitations/([A-Za-z0-9_-]+)/")


class FailingBackend(BaseEmailBackend):
    """A mail server that hangs up."""

    def send_messages(self, messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")


def membership(user, business) -> Membership:
    return Membership.objects.get(user=user, business=business)


def role_of(user, business) -> str | None:
    return (
        Membership.objects.filter(user=user, business=business)
        .values_list("role", flat=True)
        .first()
    )


def audit_actions(business) -> list[str]:
    return list(AuditEntry.objects.filter(business=business).values_list("action", flat=True))


def member_url(member: Membership, action: str) -> str:
    return f"{PAGE}members/{member.uuid}/{action}/"


def accept_path(token: str) -> str:
    return f"/accounts/invitations/{token}/"


def token_in(message) -> str:
    return ACCEPT_LINK.search(message.body).group(1)


@pytest.fixture
def invite(client_of, django_capture_on_commit_callbacks):
    """Invite through the page as `user`, running the e-mail task as on commit."""

    def send(user, email: str, role: str = Role.STAFF):
        with django_capture_on_commit_callbacks(execute=True):
            return client_of(user).post(PAGE, {"email": email, "role": role})

    return send


@pytest.fixture
def invited(alice, business_a, invite, mailoutbox):
    """A newcomer alice invited as manager: the invitation and the token from the e-mail."""
    assert invite(alice, "newcomer@a.example", Role.MANAGER).status_code == 302
    invitation = TeamInvitation.objects.get(business=business_a, email="newcomer@a.example")
    return invitation, token_in(mailoutbox[-1])


def new_account(token: str, client: Client | None = None, **fields):
    data = {
        "first_name": "Nora", "last_name": "Baker",
        "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD, **fields,
    }  # fmt: skip
    return (client or Client()).post(accept_path(token), data)


# --- Who reaches the page -------------------------------------------------------------------


class TestAccess:
    def test_owners_and_managers_see_members_with_role_and_join_date(
        self, alice, mia, bob, business_a, business_b, client_of
    ):
        for user in (alice, mia):
            page = client_of(user).get(PAGE)
            assert page.status_code == 200
            html = page.content.decode()
            for member in Membership.objects.filter(business=business_a):
                row = re.search(rf'id="member-{member.uuid}">(.*?)</tr>', html, re.S).group(1)
                assert member.user.email in row
                assert str(member.get_role_display()) in row
                assert member.created_at.strftime("%-d %b %Y") in row
            assert "charlie@b.example" not in html

    def test_staff_get_403_everywhere_and_nothing_changes(
        self, alice, mia, bob, business_a, client_of, invited
    ):
        invitation, _token = invited
        staff = client_of(bob)
        before = audit_actions(business_a)
        assert staff.get(PAGE).status_code == 403
        assert staff.post(PAGE, {"email": "x@a.example", "role": "staff"}).status_code == 403
        target = membership(mia, business_a)
        assert staff.post(member_url(target, "role"), {"role": "staff"}).status_code == 403
        assert staff.post(member_url(target, "remove")).status_code == 403
        revoke = f"{PAGE}invitations/{invitation.uuid}/revoke/"
        assert staff.post(revoke).status_code == 403
        assert role_of(mia, business_a) == Role.MANAGER
        assert TeamInvitation.objects.filter(business=business_a).count() == 1
        invitation.refresh_from_db()
        assert invitation.revoked_at is None
        assert audit_actions(business_a) == before

    def test_outsiders_get_404_on_members_and_invitations_of_another_business(
        self, alice, mia, business_a, business_b, charlie, client_of, invited
    ):
        invitation, _token = invited
        outsider = client_of(charlie)
        target = membership(mia, business_a)
        assert outsider.post(member_url(target, "role"), {"role": "staff"}).status_code == 404
        assert outsider.post(member_url(target, "remove")).status_code == 404
        revoke = f"{PAGE}invitations/{invitation.uuid}/revoke/"
        assert outsider.post(revoke).status_code == 404
        assert role_of(mia, business_a) == Role.MANAGER
        invitation.refresh_from_db()
        assert invitation.revoked_at is None
        own_page = outsider.get(PAGE).content.decode()
        assert "charlie@b.example" in own_page
        assert "alice@a.example" not in own_page and "newcomer@a.example" not in own_page

    def test_visitors_who_are_not_signed_in_go_to_sign_in(self, mia, business_a):
        reply = Client().post(member_url(membership(mia, business_a), "remove"))
        assert reply.status_code == 302 and reply.url.startswith("/accounts/login/")
        assert Client().get(PAGE).url.startswith("/accounts/login/")
        assert role_of(mia, business_a) == Role.MANAGER

    def test_the_navigation_links_the_team_page_for_owners_and_managers_only(
        self, alice, mia, bob, client_of
    ):
        link = f'href="{PAGE}"'
        assert link in client_of(alice).get("/interactions/").content.decode()
        assert link in client_of(mia).get("/interactions/").content.decode()
        assert link not in client_of(bob).get("/interactions/").content.decode()


# --- Inviting and joining -------------------------------------------------------------------


class TestInvitation:
    def test_the_email_carries_a_link_whose_token_is_stored_only_hashed(
        self, alice, business_a, invited, mailoutbox
    ):
        invitation, token = invited
        (message,) = mailoutbox
        assert message.to == ["newcomer@a.example"]
        assert business_a.name in message.subject
        link = settings.SITE_URL.rstrip("/") + accept_path(token)
        assert link in message.body
        assert link in message.alternatives[0][0]
        assert invitation.token_hash == hash_token(token)
        stored = TeamInvitation.objects.filter(pk=invitation.pk).values().get()
        assert token not in {str(value) for value in stored.values()}
        assert invitation.sent_at is not None
        assert invitation.expires_at > timezone.now() + timedelta(days=6)
        entry = AuditEntry.objects.get(business=business_a, action="team.invite")
        assert (entry.actor, entry.target, entry.detail["role"]) == (
            alice,
            "newcomer@a.example",
            "manager",
        )

    def test_the_email_goes_through_the_email_queue_without_showing_the_token(self):
        route = celery_app.amqp.router.route({}, send_team_invitation.name)
        assert route["queue"].name == "email"

    def test_the_link_makes_an_account_and_a_member_once(
        self, business_a, invited, django_capture_on_commit_callbacks
    ):
        invitation, token = invited
        visitor = Client()
        assert visitor.get(accept_path(token)).status_code == 200  # a GET only shows
        assert not User.objects.filter(email="newcomer@a.example").exists()
        reply = new_account(token, visitor)
        assert reply.status_code == 302
        nora = User.objects.get(email="newcomer@a.example")
        assert (nora.first_name, nora.last_name) == ("Nora", "Baker")
        assert role_of(nora, business_a) == Role.MANAGER
        assert visitor.get("/").url == "/dashboard/"  # signed in, working in business A
        entry = AuditEntry.objects.get(business=business_a, action="team.join")
        assert entry.actor == nora
        invitation.refresh_from_db()
        assert invitation.accepted_by == nora

        again = new_account(token, first_name="Mallory", password1="x" + GOOD_PASSWORD,
                            password2="x" + GOOD_PASSWORD)  # fmt: skip
        assert again.status_code == 410
        assert "already been used" in again.content.decode()
        assert Client().get(accept_path(token)).status_code == 410
        nora.refresh_from_db()
        assert nora.first_name == "Nora" and nora.check_password(GOOD_PASSWORD)
        assert Membership.objects.filter(business=business_a, user=nora).count() == 1

    def test_an_expired_link_is_refused(self, business_a, invited):
        invitation, token = invited
        TeamInvitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        assert "has expired" in Client().get(accept_path(token)).content.decode()
        assert new_account(token).status_code == 410
        assert not User.objects.filter(email="newcomer@a.example").exists()

    def test_an_unknown_token_is_404(self, invited):
        _invitation, token = invited
        assert Client().get(accept_path(token[:-2] + "xx")).status_code == 404
        assert new_account("not-a-token").status_code == 404

    @pytest.mark.parametrize(
        ("fields", "field", "message"),
        [
            ({"password1": "password", "password2": "password"}, "password1", "too common"),
            ({"password1": "5558675309", "password2": "5558675309"}, "password1", "numeric"),
            ({"password1": "short1", "password2": "short1"}, "password1", "too short"),
            ({"password1": "newcomer@a.example", "password2": "newcomer@a.example"},
             "password1", "too similar"),
            ({"password2": GOOD_PASSWORD + "!"}, "password2", "differ"),
            ({"first_name": ""}, "first_name", "required"),
        ],
    )  # fmt: skip
    def test_passwords_are_checked_and_errors_name_the_field(
        self, business_a, invited, fields, field, message
    ):
        invitation, token = invited
        reply = new_account(token, **fields)
        assert reply.status_code == 400
        errors = reply.context["form"].errors
        assert message in " ".join(errors[field])
        assert not User.objects.filter(email="newcomer@a.example").exists()
        invitation.refresh_from_db()
        assert invitation.accepted_at is None

    def test_someone_with_an_account_signs_in_and_joins(
        self, alice, bob, business_a, charlie, business_b, invite, mailoutbox, client_of
    ):
        assert invite(alice, "Charlie@B.example", Role.STAFF).status_code == 302
        token = token_in(mailoutbox[-1])
        anonymous = Client()
        page = anonymous.get(accept_path(token))
        assert page.status_code == 200 and "Sign in to join" in page.content.decode()
        assert anonymous.post(accept_path(token)).status_code == 403
        assert client_of(bob).get(accept_path(token)).status_code == 403  # someone else
        assert client_of(bob).post(accept_path(token)).status_code == 403
        assert role_of(charlie, business_a) is None

        signed_in = anonymous.post(
            "/accounts/login/?next=" + accept_path(token),
            {"username": "charlie@b.example", "password": TEST_PASSWORD,
             "next": accept_path(token)},
        )  # fmt: skip
        assert signed_in.url == accept_path(token)
        assert "Join" in anonymous.get(accept_path(token)).content.decode()
        assert anonymous.post(accept_path(token)).status_code == 302
        assert role_of(charlie, business_a) == Role.STAFF
        assert role_of(charlie, business_b) == Role.OWNER
        assert anonymous.get("/").url == "/interactions/"  # now working in A, as staff
        assert anonymous.post(accept_path(token)).status_code == 410

    def test_inviting_again_replaces_the_earlier_link(
        self, alice, business_a, invited, invite, mailoutbox
    ):
        _first, first_token = invited
        assert invite(alice, "newcomer@a.example", Role.STAFF).status_code == 302
        second_token = token_in(mailoutbox[-1])
        assert first_token != second_token
        assert Client().get(accept_path(first_token)).status_code == 410
        assert new_account(second_token).status_code == 302
        assert role_of(User.objects.get(email="newcomer@a.example"), business_a) == Role.STAFF

    def test_a_revoked_invitation_stops_working(self, alice, business_a, invited, client_of):
        invitation, token = invited
        reply = client_of(alice).post(f"{PAGE}invitations/{invitation.uuid}/revoke/")
        assert reply.status_code == 302
        assert "withdrawn" in Client().get(accept_path(token)).content.decode()
        assert new_account(token).status_code == 410
        assert "team.invitation_revoke" in audit_actions(business_a)
        again = client_of(alice).post(f"{PAGE}invitations/{invitation.uuid}/revoke/")
        assert again.status_code == 409
        assert "already accepted or revoked" in again.content.decode()

    def test_the_email_is_sent_once_however_often_the_task_runs(self, invited, mailoutbox):
        invitation, token = invited
        assert send_team_invitation(invitation.pk, token) is False  # already sent
        TeamInvitation.objects.filter(pk=invitation.pk).update(sent_at=None)
        assert send_team_invitation(invitation.pk, "a-token-that-is-not-its-own") is False
        assert send_team_invitation(invitation.pk, token) is True
        assert send_team_invitation(invitation.pk, token) is False
        assert len(mailoutbox) == 2

    def test_a_mail_server_that_fails_leaves_the_invitation_saved_and_not_sent(
        self, alice, business_a, invite, settings, mailoutbox, client_of
    ):
        settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
        assert invite(alice, "newcomer@a.example").status_code == 302
        invitation = TeamInvitation.objects.get(business=business_a)
        assert invitation.sent_at is None and mailoutbox == []
        row = re.search(
            rf'id="invitation-{invitation.uuid}">(.*?)</tr>',
            client_of(alice).get(PAGE).content.decode(), re.S,
        ).group(1)  # fmt: skip
        assert "Not sent yet" in row
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert invite(alice, "newcomer@a.example").status_code == 302  # "Send again"
        assert len(mailoutbox) == 1
        assert TeamInvitation.objects.filter(business=business_a, revoked_at=None).count() == 1

    def test_empty_forms_say_what_is_missing(self, alice, client_of, invited):
        _invitation, token = invited
        reply = client_of(alice).post(PAGE, {})
        assert reply.status_code == 400
        assert set(reply.context["form"].errors) == {"email", "role"}
        reply = Client().post(accept_path(token), {})
        assert reply.status_code == 400
        assert set(reply.context["form"].errors) == {"first_name", "password1", "password2"}

    @pytest.mark.parametrize(
        ("email", "role", "field", "message"),
        [
            ("mia@a.example", "staff", "email", "already in the team"),
            ("MIA@a.example", "staff", "email", "already in the team"),
            ("not-an-email", "staff", "email", "valid email"),
            ("", "staff", "email", "required"),
            ("new@a.example", "king", "role", "valid choice"),
        ],
    )
    def test_a_wrong_invitation_names_the_field(
        self, alice, mia, business_a, invite, mailoutbox, email, role, field, message
    ):
        reply = invite(alice, email, role)
        assert reply.status_code == 400
        assert message in " ".join(reply.context["form"].errors[field])
        assert not TeamInvitation.objects.exists()
        assert mailoutbox == []


# --- The rules ------------------------------------------------------------------------------


class TestRules:
    def test_managers_invite_staff_and_managers(self, mia, business_a, invite, mailoutbox):
        assert invite(mia, "s@a.example", Role.STAFF).status_code == 302
        assert invite(mia, "m@a.example", Role.MANAGER).status_code == 302
        assert len(mailoutbox) == 2

    def test_managers_cannot_invite_owners(self, mia, business_a, invite, mailoutbox):
        before = audit_actions(business_a)
        reply = invite(mia, "o@a.example", Role.OWNER)
        assert reply.status_code == 403
        assert "Only an owner can make someone an owner." in reply.content.decode()
        assert reply.context["form"].errors["role"]
        assert not TeamInvitation.objects.exists()
        assert mailoutbox == [] and audit_actions(business_a) == before

    def test_managers_cannot_change_demote_or_remove_an_owner(
        self, alice, mia, business_a, client_of
    ):
        manager, owner = client_of(mia), membership(alice, business_a)
        before = audit_actions(business_a)
        for role in ("manager", "staff"):
            reply = manager.post(member_url(owner, "role"), {"role": role})
            assert reply.status_code == 403
            assert "Only an owner can change an owner" in reply.content.decode()
        reply = manager.post(member_url(owner, "remove"))
        assert reply.status_code == 403
        assert "Only an owner can remove an owner" in reply.content.decode()
        assert role_of(alice, business_a) == Role.OWNER
        assert audit_actions(business_a) == before

    def test_managers_cannot_make_anyone_an_owner(self, mia, bob, business_a, client_of):
        reply = client_of(mia).post(member_url(membership(bob, business_a), "role"),
                                    {"role": "owner"})  # fmt: skip
        assert reply.status_code == 403
        assert "Only an owner can make someone an owner." in reply.content.decode()
        assert role_of(bob, business_a) == Role.STAFF

    def test_managers_manage_staff_and_managers(self, mia, bob, business_a, client_of):
        manager, staff = client_of(mia), membership(bob, business_a)
        assert manager.post(member_url(staff, "role"), {"role": "manager"}).status_code == 302
        assert role_of(bob, business_a) == Role.MANAGER
        entry = AuditEntry.objects.get(business=business_a, action="team.role_change")
        assert entry.actor == mia
        assert (entry.detail["before"], entry.detail["after"]) == ("staff", "manager")
        assert manager.post(member_url(staff, "remove")).status_code == 302
        assert role_of(bob, business_a) is None
        assert User.objects.filter(pk=bob.pk).exists()  # the person keeps their account
        assert "team.remove" in audit_actions(business_a)

    def test_a_removed_member_loses_access_at_once(self, alice, bob, business_a, client_of):
        staff = client_of(bob)
        assert staff.get("/interactions/").status_code == 200
        client_of(alice).post(member_url(membership(bob, business_a), "remove"))
        assert staff.get("/interactions/").status_code == 403

    def test_nobody_changes_their_own_role(self, alice, mia, business_a, client_of):
        reply = client_of(mia).post(member_url(membership(mia, business_a), "role"),
                                    {"role": "staff"})  # fmt: skip
        assert reply.status_code == 403
        assert "own role" in reply.content.decode()
        second_owner = UserFactory(email="olga@a.example")
        membership_add(business=business_a, user=second_owner, role=Role.OWNER)
        reply = client_of(alice).post(member_url(membership(alice, business_a), "role"),
                                      {"role": "manager"})  # fmt: skip
        assert reply.status_code == 403
        assert "own role" in reply.content.decode()
        assert (role_of(mia, business_a), role_of(alice, business_a)) == ("manager", "owner")

    def test_the_last_owner_cannot_be_demoted_or_removed(self, alice, business_a, client_of):
        owner, own = client_of(alice), membership(alice, business_a)
        for reply in (
            owner.post(member_url(own, "role"), {"role": "manager"}),
            owner.post(member_url(own, "remove")),
        ):
            assert reply.status_code == 403
            assert "at least one owner" in reply.content.decode()
        assert role_of(alice, business_a) == Role.OWNER

    def test_owners_can_do_everything(self, alice, mia, bob, business_a, client_of, invite):
        owner = client_of(alice)
        assert owner.post(member_url(membership(bob, business_a), "role"),
                          {"role": "owner"}).status_code == 302  # fmt: skip
        assert owner.post(member_url(membership(bob, business_a), "role"),
                          {"role": "staff"}).status_code == 302  # fmt: skip
        assert owner.post(member_url(membership(mia, business_a), "remove")).status_code == 302
        assert invite(alice, "partner@a.example", Role.OWNER).status_code == 302
        assert role_of(bob, business_a) == Role.STAFF and role_of(mia, business_a) is None

    def test_managers_cannot_revoke_or_replace_an_owner_invitation(
        self, alice, mia, business_a, invite, client_of, mailoutbox
    ):
        assert invite(alice, "partner@a.example", Role.OWNER).status_code == 302
        invitation = TeamInvitation.objects.get(business=business_a)
        revoke = f"{PAGE}invitations/{invitation.uuid}/revoke/"
        assert revoke not in client_of(mia).get(PAGE).content.decode()  # no button to press
        assert revoke in client_of(alice).get(PAGE).content.decode()
        reply = client_of(mia).post(revoke)
        assert reply.status_code == 403
        assert "Only an owner can revoke" in reply.content.decode()
        reply = invite(mia, "partner@a.example", Role.STAFF)
        assert reply.status_code == 403
        invitation.refresh_from_db()
        assert invitation.revoked_at is None and invitation.role == Role.OWNER
        assert len(mailoutbox) == 1

    def test_the_invited_name_is_shown_escaped(
        self, alice, business_a, invited, client_of, mailoutbox
    ):
        _invitation, token = invited
        script, image = "<script>alert(1)</script>", '"><img src=x onerror=alert(2)>'
        assert new_account(token, first_name=script, last_name=image).status_code == 302
        stored = User.objects.get(email="newcomer@a.example")
        assert (stored.first_name, stored.last_name) == (script, image)  # kept as typed
        html = client_of(alice).get(PAGE).content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<script>alert(1)" not in html and "<img src=x" not in html
        member = membership(stored, business_a)
        changed = client_of(alice).post(member_url(member, "role"), {"role": "staff"}, follow=True)
        shown = changed.content.decode()
        assert "&lt;script&gt;" in shown and "<script>alert(1)" not in shown

    def test_the_inviter_s_name_is_escaped_in_the_email(
        self, alice, business_a, invite, mailoutbox
    ):
        User.objects.filter(pk=alice.pk).update(first_name="<b onmouseover=alert(1)>Al</b>")
        assert invite(alice, "x@a.example").status_code == 302
        html = mailoutbox[-1].alternatives[0][0]
        assert "&lt;b onmouseover=alert(1)&gt;" in html and "<b onmouseover" not in html


# --- The API --------------------------------------------------------------------------------


def api_post(client: Client, path: str, data: dict):
    return client.post(path, data, content_type="application/json")


def api_patch(client: Client, path: str, data: dict):
    return client.patch(path, data, content_type="application/json")


class TestApi:
    def test_it_lists_the_members_of_the_caller_s_business(
        self, alice, mia, bob, business_a, business_b, client_of
    ):
        for user in (alice, mia):
            body = client_of(user).get(API).json()
            listed = {m["email"]: m for m in body["results"]}
            assert set(listed) == {"alice@a.example", "mia@a.example", "bob@a.example"}
            mine = membership(mia, business_a)
            assert listed["mia@a.example"]["uuid"] == str(mine.uuid)
            assert listed["mia@a.example"]["role"] == "manager"
            assert listed["mia@a.example"]["joined_at"]
        staff = client_of(bob)
        assert staff.get(API).status_code == 403
        target = f"{API}{membership(mia, business_a).uuid}/"
        assert api_patch(staff, target, {"role": "staff"}).status_code == 403
        assert staff.delete(target).status_code == 403
        assert role_of(mia, business_a) == Role.MANAGER

    def test_outsiders_get_404_and_see_only_their_own_team(
        self, alice, mia, business_a, charlie, business_b, client_of, invited
    ):
        invitation, _token = invited
        outsider, target = client_of(charlie), f"{API}{membership(mia, business_a).uuid}/"
        assert outsider.get(target).status_code == 404
        assert api_patch(outsider, target, {"role": "staff"}).status_code == 404
        assert outsider.delete(target).status_code == 404
        assert outsider.get(f"{API}invitations/{invitation.uuid}/").status_code == 404
        assert outsider.delete(f"{API}invitations/{invitation.uuid}/").status_code == 404
        assert [m["email"] for m in outsider.get(API).json()["results"]] == ["charlie@b.example"]
        assert outsider.get(f"{API}invitations/").json()["results"] == []
        assert role_of(mia, business_a) == Role.MANAGER
        invitation.refresh_from_db()
        assert invitation.revoked_at is None

    def test_api_keys_cannot_manage_people(self, business_a):
        _key, raw = api_key_create(business=business_a, name="Till", scope="write",
                                   created_by=None)  # fmt: skip
        reply = Client().get(API, HTTP_AUTHORIZATION=f"Api-Key {raw}")
        assert reply.status_code == 403

    def test_invite_change_and_remove(
        self, alice, bob, business_a, client_of, mailoutbox, django_capture_on_commit_callbacks
    ):
        owner = client_of(alice)
        with django_capture_on_commit_callbacks(execute=True):
            made = api_post(owner, API, {"email": "Api@A.example", "role": "manager"})
        assert made.status_code == 201
        assert made.json()["email"] == "api@a.example" and made.json()["role"] == "manager"
        assert mailoutbox[-1].to == ["api@a.example"]
        waiting = owner.get(f"{API}invitations/").json()["results"]
        assert [i["uuid"] for i in waiting] == [made.json()["uuid"]]

        target = f"{API}{membership(bob, business_a).uuid}/"
        changed = api_patch(owner, target, {"role": "manager"})
        assert changed.status_code == 200 and changed.json()["role"] == "manager"
        assert owner.delete(target).status_code == 204
        assert role_of(bob, business_a) is None
        assert owner.delete(f"{API}invitations/{made.json()['uuid']}/").status_code == 204
        assert owner.get(f"{API}invitations/").json()["results"] == []
        assert {"team.invite", "team.role_change", "team.remove", "team.invitation_revoke"} <= set(
            audit_actions(business_a)
        )

    def test_refusals_are_403_and_wrong_fields_400_each_named(
        self, alice, mia, bob, business_a, client_of, mailoutbox
    ):
        manager = client_of(mia)
        before = audit_actions(business_a)
        owner_url, staff_url, own_url = (
            f"{API}{membership(user, business_a).uuid}/" for user in (alice, bob, mia)
        )
        refused = [
            (api_post(manager, API, {"email": "o@a.example", "role": "owner"}), "role"),
            (api_patch(manager, owner_url, {"role": "staff"}), "role"),
            (manager.delete(owner_url), "role"),
            (api_patch(manager, staff_url, {"role": "owner"}), "role"),
            (api_patch(manager, own_url, {"role": "staff"}), "role"),
        ]
        for reply, field in refused:
            assert reply.status_code == 403, reply.content
            assert reply.json()["detail"] and reply.json()["errors"][field]
        wrong = [
            (api_post(manager, API, {"email": "nope", "role": "staff"}), "email"),
            (api_post(manager, API, {"email": "bob@a.example", "role": "staff"}), "email"),
            (api_post(manager, API, {"email": "n@a.example", "role": "king"}), "role"),
            (api_patch(manager, staff_url, {}), "role"),
        ]
        for reply, field in wrong:
            assert reply.status_code == 400, reply.content
            assert reply.json()["errors"][field]
        assert (role_of(alice, business_a), role_of(bob, business_a)) == ("owner", "staff")
        assert role_of(mia, business_a) == "manager"
        assert not TeamInvitation.objects.exists() and mailoutbox == []
        assert audit_actions(business_a) == before

    def test_the_schema_documents_the_team_endpoints(self, alice, client_of):
        schema = client_of(alice).get("/api/schema/").content.decode()
        for path in ["/api/v1/team/:", "/api/v1/team/{uuid}/:", "/api/v1/team/invitations/:",
                     "/api/v1/team/invitations/{uuid}/:"]:  # fmt: skip
            assert path in schema
        assert "v1_team_partial_update" in schema and "v1_team_destroy" in schema


# --- Two owners at the same moment ----------------------------------------------------------


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_owners_demoting_each_other_at_once_leave_one_owner(alice, business_a):
    olga = UserFactory(email="olga@a.example")
    membership_add(business=business_a, user=olga, role=Role.OWNER)
    first, second = membership(alice, business_a), membership(olga, business_a)
    for _round in range(5):
        Membership.objects.filter(pk__in=[first.pk, second.pk]).update(role=Role.OWNER)
        outcomes = demote_each_other_at_once(first, second)
        assert sorted(outcomes) == ["done", "refused"]
        owners = Membership.objects.filter(business=business_a, role=Role.OWNER).count()
        assert owners == 1


def demote_each_other_at_once(first: Membership, second: Membership) -> list[str]:
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def demote(actor: Membership, member: Membership) -> None:
        try:
            start.wait()
            team_role_change(actor=actor, member=member, role=Role.MANAGER)
            outcomes.append("done")
        except TeamRefused:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=demote, args=(first, second)),
        threading.Thread(target=demote, args=(second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
