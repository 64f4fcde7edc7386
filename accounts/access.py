"""Who may see what: the current business of a request and the role checks for views."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .models import MANAGERS, Membership, Role
from .selectors import membership_for_business, memberships_for_user

SESSION_BUSINESS_KEY = "current_business"
ALL_ROLES: tuple[str, ...] = tuple(Role.values)
MANAGER_ROLES: tuple[str, ...] = tuple(MANAGERS)
OWNER_ONLY: tuple[str, ...] = (Role.OWNER,)


def current_membership(request: HttpRequest) -> Membership | None:
    """The membership the signed-in user is working in (chosen with the switcher)."""
    if hasattr(request, "_cached_membership"):
        return request._cached_membership
    membership = None
    if request.user.is_authenticated:
        chosen = request.session.get(SESSION_BUSINESS_KEY)
        if chosen:
            membership = membership_for_business(user=request.user, business_uuid=chosen)
        if membership is None:
            membership = memberships_for_user(user=request.user).first()
    request._cached_membership = membership
    return membership


def choose_business(request: HttpRequest, membership: Membership) -> None:
    request.session[SESSION_BUSINESS_KEY] = str(membership.business.uuid)
    request._cached_membership = membership


def business_view(roles: Iterable[str] = ALL_ROLES) -> Callable:
    """Decorate a view that works inside the current business.

    Anonymous users go to sign-in, users without a business see why, and members
    whose role is not in `roles` get 403. The view finds `request.membership`
    and `request.business` set.
    """
    allowed = tuple(roles)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = current_membership(request)
            if membership is None:
                return render(request, "accounts/no_business.html", status=403)
            if membership.role not in allowed:
                raise PermissionDenied("Your role does not give access to this page.")
            request.membership = membership
            request.business = membership.business
            # Times on the page, and those typed into its forms, are the business's
            # local time (the API keeps UTC offsets for machines).
            with timezone.override(membership.business.time_zone):
                return view(request, *args, **kwargs)

        return wrapped

    return decorator
