"""The team page (owners and managers) and the page where an invited person joins.

The views only translate: the rules live in accounts.team, and every refusal it raises
comes back here as the team page with the message and the refusal's status (403 for a
rule, 400 for a wrong field, 409/410 for something that changed meanwhile).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cxplatform.errors import ApplicationError

from .access import MANAGER_ROLES, business_view, choose_business
from .models import Membership, Role, TeamInvitation, User
from .selectors import business_object_or_404
from .team import (
    NewAccount,
    check_new_password,
    invitation_state,
    may_manage,
    roles_grantable_by,
    team_invitation_revoke,
    team_invitations_open,
    team_invite,
    team_join,
    team_member_remove,
    team_members,
    team_role_change,
    unscoped_team_invitation_for_token,
    user_for_email,
)

# The new member signs in with the password they just chose, through the ordinary backend.
PASSWORD_BACKEND = "django.contrib.auth.backends.ModelBackend"


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=254)
    # Every role validates, so a manager asking for "owner" is refused by the rules (403)
    # with their message; the menu only offers what the member may give.
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)

    def __init__(self, *args, actor: Membership, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        grantable = roles_grantable_by(actor)
        self.fields["role"].widget.choices = [c for c in Role.choices if c[0] in grantable]
        self.fields["role"].initial = Role.STAFF


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)


class NewAccountForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150, required=False)
    password1 = forms.CharField(
        label=gettext_lazy("Password"), strip=False, max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )  # fmt: skip
    password2 = forms.CharField(
        label=gettext_lazy("Password again"), strip=False, max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )  # fmt: skip

    def __init__(self, *args, invitation: TeamInvitation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.invitation = invitation

    def clean(self) -> dict:
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        if first:
            for problem in check_new_password(invitation=self.invitation, account=self.account()):
                self.add_error("password1", problem)
        return data

    def account(self) -> NewAccount:
        data = self.cleaned_data
        return NewAccount(
            first_name=data.get("first_name", ""), last_name=data.get("last_name", ""),
            password=data.get("password1", ""),
        )  # fmt: skip


# --- The team page ------------------------------------------------------------------------


@business_view(roles=MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def team(request: HttpRequest) -> HttpResponse:
    form = InviteForm(posted(request), actor=request.membership)
    if request.method == "GET":
        return team_page(request, form)
    if not form.is_valid():
        return team_page(request, form, status=400)
    try:
        team_invite(actor=request.membership, **form.cleaned_data)
    except ApplicationError as refusal:
        return refused(request, refusal, form)
    messages.success(
        request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
    )
    return redirect("accounts:team")


@business_view(roles=MANAGER_ROLES)
@require_POST
def member_role(request: HttpRequest, member_uuid) -> HttpResponse:
    member = business_object_or_404(Membership, business=request.business, uuid=member_uuid)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return team_page(request, refusal=field_errors(form), status=400)
    try:
        team_role_change(actor=request.membership, member=member, role=form.cleaned_data["role"])
    except ApplicationError as refusal:
        return refused(request, refusal)
    messages.success(
        request,
        _("%(person)s is now %(role)s.") % {"person": member.user, "role": member_role_name(form)},
    )
    return redirect("accounts:team")


@business_view(roles=MANAGER_ROLES)
@require_POST
def member_remove(request: HttpRequest, member_uuid) -> HttpResponse:
    member = business_object_or_404(Membership, business=request.business, uuid=member_uuid)
    try:
        team_member_remove(actor=request.membership, member=member)
    except ApplicationError as refusal:
        return refused(request, refusal)
    messages.success(request, _("%(person)s is no longer in the team.") % {"person": member.user})
    return redirect("accounts:team")


@business_view(roles=MANAGER_ROLES)
@require_POST
def invitation_revoke(request: HttpRequest, invitation_uuid) -> HttpResponse:
    invitation = business_object_or_404(
        TeamInvitation, business=request.business, uuid=invitation_uuid
    )
    try:
        team_invitation_revoke(actor=request.membership, invitation=invitation)
    except ApplicationError as refusal:
        return refused(request, refusal)
    messages.success(
        request, _("The invitation to %(email)s no longer works.") % {"email": invitation.email}
    )
    return redirect("accounts:team")


def team_page(
    request: HttpRequest, form: InviteForm | None = None, *, refusal: str = "", status: int = 200
) -> HttpResponse:
    actor = request.membership
    members = list(team_members(business=request.business))
    grantable = roles_grantable_by(actor)
    context = {
        "form": form or InviteForm(actor=actor),
        "rows": [(m, may_manage(actor, m)) for m in members],
        "invitations": [
            (i, not i.is_open(), i.role in grantable)
            for i in team_invitations_open(business=request.business)
        ],
        "grantable_roles": [c for c in Role.choices if c[0] in grantable],
        "refusal": refusal,
    }
    return render(request, "accounts/team.html", context, status=status)


def refused(
    request: HttpRequest, refusal: ApplicationError, form: InviteForm | None = None
) -> HttpResponse:
    """The team page again, saying why, with nothing changed (the service rolled back)."""
    field = getattr(refusal, "field", "body")
    if form is not None and field in form.fields:
        form.add_error(field, refusal.message)
    return team_page(request, form, refusal=refusal.message, status=refusal.status_code)


def field_errors(form: forms.Form) -> str:
    return " ".join(
        f"{form.fields[name].label}: {message}"
        for name, errors in form.errors.items()
        for message in errors
    )


def member_role_name(form: RoleForm) -> str:
    return str(Role(form.cleaned_data["role"]).label).lower()


# --- Joining through the e-mailed link ----------------------------------------------------


@require_http_methods(["GET", "POST"])
def team_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Open to anyone with the link; a GET only shows (mail scanners follow links)."""
    invitation = unscoped_team_invitation_for_token(token=token)
    if invitation is None:
        raise Http404("invitation")
    state = invitation_state(invitation)
    if state != "open":
        return accept_page(request, invitation, state, status=410)
    existing = user_for_email(email=invitation.email)
    if existing is not None:
        return accept_as_existing_user(request, invitation, existing)
    return accept_with_new_account(request, invitation)


def accept_as_existing_user(
    request: HttpRequest, invitation: TeamInvitation, existing: User
) -> HttpResponse:
    if not request.user.is_authenticated:
        return accept_page(request, invitation, "sign_in", status=200 if is_get(request) else 403)
    if request.user.pk != existing.pk:
        return accept_page(request, invitation, "wrong_account", status=403)
    if is_get(request):
        return accept_page(request, invitation, "join")
    try:
        membership = team_join(invitation=invitation, user=request.user)
    except ApplicationError as refusal:
        return accept_page(request, invitation, "join", refusal=refusal)
    return joined(request, membership)


def accept_with_new_account(request: HttpRequest, invitation: TeamInvitation) -> HttpResponse:
    form = NewAccountForm(posted(request), invitation=invitation)
    if is_get(request):
        return accept_page(request, invitation, "new_account", form=form)
    if not form.is_valid():
        return accept_page(request, invitation, "new_account", form=form, status=400)
    try:
        membership = team_join(invitation=invitation, account=form.account())
    except ApplicationError as refusal:
        return accept_page(request, invitation, "new_account", form=form, refusal=refusal)
    login(request, membership.user, backend=PASSWORD_BACKEND)
    return joined(request, membership)


def joined(request: HttpRequest, membership: Membership) -> HttpResponse:
    membership = Membership.objects.select_related("business").get(pk=membership.pk)
    choose_business(request, membership)
    messages.success(
        request, _("Welcome to %(business)s.") % {"business": membership.business.name}
    )
    return redirect("home")


def accept_page(
    request: HttpRequest,
    invitation: TeamInvitation,
    state: str,
    *,
    form: NewAccountForm | None = None,
    refusal: ApplicationError | None = None,
    status: int = 200,
) -> HttpResponse:
    if refusal is not None:
        field = getattr(refusal, "field", "body")
        if form is not None and field in form.fields:
            form.add_error(field, refusal.message)
        status = refusal.status_code
    context = {
        "invitation": invitation,
        "business": invitation.business,
        "state": state,
        "form": form,
        "refusal": refusal.message if refusal else "",
        "sign_in_url": reverse("accounts:login") + "?" + urlencode({"next": request.path}),
    }
    return render(request, "accounts/team_accept.html", context, status=status)


def is_get(request: HttpRequest) -> bool:
    return request.method == "GET"


def posted(request: HttpRequest) -> QueryDict | None:
    """The form data of a POST, even an empty one (which must say what is missing)."""
    return None if is_get(request) else request.POST
