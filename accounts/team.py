"""The team of a business: who is in it, with which role, and who may change that.

The rules hold for the pages and the API alike, because both go through these services:
- owners can do everything;
- managers invite and manage staff and managers, but never invite, change or remove an
  owner, and never make anyone an owner;
- a business always keeps at least one owner;
- nobody changes their own role or removes themselves.

Every change first locks the business row and reads the acting member again, so two
people changing the team at once act one after the other on what the first left (two
owners demoting each other at the same moment leave one owner, not none).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from smtplib import SMTPException

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerUnreachable

from cxplatform.errors import ApplicationError, Conflict, Gone

from .models import MANAGERS, Business, Membership, Role, TeamInvitation, User
from .services import audit_record

logger = logging.getLogger(__name__)

INVITATION_LIFETIME = timedelta(days=7)
AUDIT_TARGET_LENGTH = 200  # AuditEntry.target


class TeamRefused(ApplicationError):
    """The rules do not let this member do this: 403, with the field at fault when there is one."""

    status_code = 403

    def __init__(self, message: str, *, field: str = "body") -> None:
        super().__init__(message, errors={field: [message]})
        self.field = field


class TeamInvalid(ApplicationError):
    """The request itself is wrong (a role that does not exist, someone already in the team)."""

    def __init__(self, message: str, *, field: str = "body") -> None:
        super().__init__(message, errors={field: [message]})
        self.field = field


# --- Reads --------------------------------------------------------------------------------


def team_members(*, business: Business) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(business=business)
        .select_related("user")
        .order_by("created_at", "id")
    )


def team_invitations_open(*, business: Business) -> QuerySet[TeamInvitation]:
    """Invitations not yet accepted or revoked, expired ones included (they can be sent again)."""
    return TeamInvitation.objects.filter(
        business=business, accepted_at=None, revoked_at=None
    ).select_related("invited_by")


def unscoped_team_invitation_for_token(*, token: str) -> TeamInvitation | None:
    """The e-mailed link names no business: the token alone finds the invitation."""
    return (
        TeamInvitation.objects.select_related("business", "invited_by")
        .filter(token_hash=hash_token(token))
        .first()
    )


def user_for_email(*, email: str) -> User | None:
    return User.objects.filter(email__iexact=email).first()


# --- The rules (pure: they only look at roles, so pages can ask them for every row) --------


def roles_grantable_by(actor: Membership) -> list[str]:
    """The roles `actor` may give: owners any, managers staff and manager."""
    if actor.role == Role.OWNER:
        return list(Role.values)
    if actor.role == Role.MANAGER:
        return [Role.MANAGER, Role.STAFF]
    return []


def may_manage(actor: Membership, member: Membership) -> bool:
    """Whether `actor` may change or remove `member` at all (the page hides what is not)."""
    return (
        actor.pk != member.pk
        and bool(roles_grantable_by(actor))
        and (actor.role == Role.OWNER or member.role != Role.OWNER)
    )


def check_may_grant(actor: Membership, role: str) -> None:
    if role not in Role.values:
        raise TeamInvalid(_("Choose owner, manager or staff."), field="role")
    if actor.role not in MANAGERS:
        raise TeamRefused(_("Only owners and managers manage the team."))
    if role not in roles_grantable_by(actor):
        raise TeamRefused(_("Only an owner can make someone an owner."), field="role")


def check_may_change_role(actor: Membership, member: Membership, role: str) -> None:
    check_may_grant(actor, role)
    check_may_touch(actor, member, _("Only an owner can change an owner's role."))
    if member.role == Role.OWNER and role != Role.OWNER:
        check_not_last_owner(member)
    if actor.pk == member.pk:
        raise TeamRefused(_("You cannot change your own role; ask an owner."), field="role")


def check_may_remove(actor: Membership, member: Membership) -> None:
    if actor.role not in MANAGERS:
        raise TeamRefused(_("Only owners and managers manage the team."))
    check_may_touch(actor, member, _("Only an owner can remove an owner."))
    if member.role == Role.OWNER:
        check_not_last_owner(member)
    if actor.pk == member.pk:
        raise TeamRefused(_("You cannot remove yourself from the team; ask an owner."))


def check_may_touch(actor: Membership, member: Membership, refusal: str) -> None:
    if actor.role != Role.OWNER and member.role == Role.OWNER:
        raise TeamRefused(refusal, field="role")


def check_not_last_owner(member: Membership) -> None:
    others = Membership.objects.filter(business_id=member.business_id, role=Role.OWNER)
    if not others.exclude(pk=member.pk).exists():
        raise TeamRefused(
            _("A business needs at least one owner: make someone else an owner first."),
            field="role",
        )


# --- Writes -------------------------------------------------------------------------------


def team_invite(*, actor: Membership, email: str, role: str) -> tuple[TeamInvitation, str]:
    """Invite `email` with `role`; returns the invitation and its token, which is never stored.

    Inviting someone again replaces their open invitation (a new link, the old one dies).
    """
    email = email.strip().lower()
    with transaction.atomic():
        actor = locked_actor(actor)
        check_may_grant(actor, role)
        check_not_in_team(actor.business, email)
        replace_open_invitation(actor, email)
        token = secrets.token_urlsafe(32)
        invitation = TeamInvitation.objects.create(
            business=actor.business, email=email, role=role, token_hash=hash_token(token),
            invited_by=actor.user, expires_at=timezone.now() + INVITATION_LIFETIME,
        )  # fmt: skip
        record(actor, "team.invite", email, role=role, invitation=str(invitation.uuid))
        enqueue_invitation_email(invitation.pk, token)
    return invitation, token


def team_role_change(*, actor: Membership, member: Membership, role: str) -> Membership:
    with transaction.atomic():
        actor = locked_actor(actor)
        member = fresh_member(member)
        check_may_change_role(actor, member, role)
        if member.role == role:
            return member
        previous = member.role
        Membership.objects.filter(pk=member.pk).update(role=role)
        member.role = role
        record(actor, "team.role_change", str(member.user), member=str(member.uuid),
               before=previous, after=role)  # fmt: skip
    return member


def team_member_remove(*, actor: Membership, member: Membership) -> None:
    with transaction.atomic():
        actor = locked_actor(actor)
        member = fresh_member(member)
        check_may_remove(actor, member)
        member.delete()
        released = work_of_removed_member_release(member)
        record(
            actor, "team.remove", str(member.user), member=str(member.uuid), role=member.role,
            cases_unassigned=str(released),
        )  # fmt: skip


def work_of_removed_member_release(member: Membership) -> int:
    """Hand the person's open work back to the team (settings.ACCOUNTS_AFTER_MEMBER_REMOVED:
    accounts imports nothing from the apps above it, ARCHITECTURE.md)."""
    return sum(
        import_string(hook)(business_id=member.business_id, user_id=member.user_id)
        for hook in settings.ACCOUNTS_AFTER_MEMBER_REMOVED
    )


def team_invitation_revoke(*, actor: Membership, invitation: TeamInvitation) -> None:
    with transaction.atomic():
        actor = locked_actor(actor)
        if actor.role not in MANAGERS:
            raise TeamRefused(_("Only owners and managers manage the team."))
        if invitation.role not in roles_grantable_by(actor):
            raise TeamRefused(_("Only an owner can revoke an owner's invitation."))
        revoked = TeamInvitation.objects.filter(
            pk=invitation.pk, accepted_at=None, revoked_at=None
        ).update(revoked_at=timezone.now())
        if not revoked:
            raise Conflict(_("This invitation was already accepted or revoked."))
        record(actor, "team.invitation_revoke", invitation.email, role=invitation.role,
               invitation=str(invitation.uuid))  # fmt: skip


@dataclass(frozen=True)
class NewAccount:
    first_name: str
    last_name: str
    password: str


def team_join(
    *, invitation: TeamInvitation, user: User | None = None, account: NewAccount | None = None
) -> Membership:
    """Accept an invitation as `user` (who has an account) or with a new `account`.

    The invitation is claimed with a conditional UPDATE, so a link opened twice (or by
    two tabs at once) adds the person once; any refusal rolls the claim back.
    """
    with transaction.atomic():
        claim_invitation(invitation)
        user = user or create_invited_user(invitation, account)
        if Membership.objects.filter(business_id=invitation.business_id, user=user).exists():
            raise Conflict(_("You are already in this team."))
        membership = Membership.objects.create(
            business_id=invitation.business_id, user=user, role=invitation.role
        )
        TeamInvitation.objects.filter(pk=invitation.pk).update(accepted_by=user)
        audit_record(
            business=invitation.business, actor=user, action="team.join",
            target=str(user)[:AUDIT_TARGET_LENGTH],
            detail={"role": invitation.role, "invitation": str(invitation.uuid)},
        )  # fmt: skip
    return membership


def check_new_password(*, invitation: TeamInvitation, account: NewAccount) -> list[str]:
    """Django's password validators, judging the password against the person's own details;
    their messages, empty when the password is fine."""
    candidate = User(
        email=invitation.email, first_name=account.first_name, last_name=account.last_name
    )
    try:
        validate_password(account.password, user=candidate)
    except ValidationError as error:
        return list(error.messages)
    return []


# --- Helpers of the writes ----------------------------------------------------------------


def hash_token(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough; no salt or stretching needed.
    return hashlib.sha256(token.encode()).hexdigest()


def locked_actor(actor: Membership) -> Membership:
    """Lock the business's team and read the acting member again (their role may have changed)."""
    list(Business.objects.select_for_update().filter(pk=actor.business_id).values_list("pk"))
    fresh = Membership.objects.select_related("user", "business").filter(pk=actor.pk).first()
    if fresh is None:
        raise TeamRefused(_("You are no longer in this team."))
    return fresh


def fresh_member(member: Membership) -> Membership:
    fresh = Membership.objects.select_related("user").filter(pk=member.pk).first()
    if fresh is None:
        raise Conflict(_("This person is no longer in the team."))
    return fresh


def check_not_in_team(business: Business, email: str) -> None:
    if Membership.objects.filter(business=business, user__email__iexact=email).exists():
        raise TeamInvalid(_("%(email)s is already in the team.") % {"email": email}, field="email")


def replace_open_invitation(actor: Membership, email: str) -> None:
    earlier = TeamInvitation.objects.filter(
        business=actor.business, email=email, accepted_at=None, revoked_at=None
    )
    if earlier.exclude(role__in=roles_grantable_by(actor)).exists():
        raise TeamRefused(_("Only an owner can replace an owner's invitation."), field="email")
    earlier.update(revoked_at=timezone.now())


def claim_invitation(invitation: TeamInvitation) -> None:
    now = timezone.now()
    claimed = TeamInvitation.objects.filter(
        pk=invitation.pk, accepted_at=None, revoked_at=None, expires_at__gt=now
    ).update(accepted_at=now)
    if not claimed:
        raise Gone(_("This invitation has expired, was revoked or has already been used."))


def create_invited_user(invitation: TeamInvitation, account: NewAccount | None) -> User:
    if account is None:
        raise TeamInvalid(_("Choose your name and a password."), field="password1")
    if user_for_email(email=invitation.email) is not None:
        raise Conflict(_("An account with this e-mail exists: sign in to join."))
    problems = check_new_password(invitation=invitation, account=account)
    if problems:
        raise TeamInvalid(" ".join(problems), field="password1")
    try:
        with transaction.atomic():
            return User.objects.create_user(
                invitation.email, account.password,
                first_name=account.first_name, last_name=account.last_name,
            )  # fmt: skip
    except IntegrityError as error:  # the same e-mail signed up a moment ago
        raise Conflict(_("An account with this e-mail exists: sign in to join.")) from error


def record(actor: Membership, action: str, target: str, **detail: str) -> None:
    audit_record(
        business=actor.business, actor=actor.user, action=action,
        target=target[:AUDIT_TARGET_LENGTH], detail=detail,
    )  # fmt: skip


# --- The invitation e-mail ----------------------------------------------------------------


def enqueue_invitation_email(invitation_id: int, token: str) -> None:
    """Send the e-mail from the `email` queue once the invitation is committed.

    The token travels in the task message because only its hash is stored; argsrepr keeps
    it out of the worker's logs. A broker that is down leaves the invitation marked "not
    sent", and inviting the same person again sends a fresh link.
    """
    from .tasks import send_team_invitation

    def send() -> None:
        try:
            send_team_invitation.apply_async(
                (invitation_id, token), argsrepr=token_hidden(invitation_id)
            )
        except BrokerUnreachable:
            logger.warning("Broker unreachable; team invitation %s not sent", invitation_id)

    # robust: with in-process tasks (the demo) a failing mail server must not turn the
    # saved invitation into an error page; it stays "not sent" on the team page.
    transaction.on_commit(send, robust=True)


def token_hidden(invitation_id: int) -> str:
    return f"({invitation_id}, '<token>')"


def team_invitation_send(*, invitation_id: int, token: str) -> bool:
    """Send one invitation's e-mail; claimed first, so a retried task never sends it twice."""
    invitation = TeamInvitation.objects.filter(pk=invitation_id).first()
    if invitation is None or invitation.token_hash != hash_token(token):
        return False  # gone, or replaced by a newer invitation
    claimed = TeamInvitation.objects.filter(
        pk=invitation_id, sent_at=None, accepted_at=None, revoked_at=None
    ).update(sent_at=timezone.now())
    if not claimed:
        return False
    try:
        deliver_invitation(invitation, token)
    except (SMTPException, OSError):
        # Unclaim, so the retry can send it.
        TeamInvitation.objects.filter(pk=invitation_id).update(sent_at=None)
        raise
    return True


def deliver_invitation(invitation: TeamInvitation, token: str) -> None:
    business = invitation.business
    context = {
        "invitation": invitation,
        "business": business,
        "inviter": invitation.invited_by,
        "accept_url": accept_url(token),
    }
    with translation.override(business.language):
        context["role"] = invitation.get_role_display()
        subject = render_to_string("accounts/team_invitation_email_subject.txt", context)
        text = render_to_string("accounts/team_invitation_email.txt", context)
        html = render_to_string("accounts/team_invitation_email.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()), body=text, to=[invitation.email]
    )
    message.attach_alternative(html, "text/html")
    message.send()


def accept_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("accounts:team_accept", args=[token])


def invitation_state(invitation: TeamInvitation) -> str:
    """open, expired, revoked or used: what the accept page tells the person."""
    if invitation.accepted_at is not None:
        return "used"
    if invitation.revoked_at is not None:
        return "revoked"
    return "open" if invitation.expires_at > timezone.now() else "expired"
