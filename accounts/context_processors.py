from __future__ import annotations

from django.http import HttpRequest

from .access import current_membership
from .selectors import memberships_for_user


def current_business(request: HttpRequest) -> dict:
    """The business switcher's data, for the page header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = current_membership(request)
    return {
        "current_membership": membership,
        "current_business": membership.business if membership else None,
        "all_memberships": lambda: list(memberships_for_user(user=user)),
    }
