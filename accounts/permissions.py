from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions

from .access import ALL_ROLES, current_membership
from .models import ApiKey, ApiKeyScope


class IsBusinessMember(permissions.BasePermission):
    """Resolves the request's business and checks the caller may act in it.

    Session users act in their current business with their role; an API key acts
    in its own business, read-only unless its scope is "write", and never on
    views that set `allow_api_key = False` (key and member management).
    The view lists the roles it accepts in `required_roles`.
    """

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, ApiKey):
            return self._check_api_key(request, view, request.auth)
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        membership = current_membership(request._request)
        if membership is None:
            raise exceptions.PermissionDenied(_("You are not a member of any business."))
        if membership.role not in getattr(view, "required_roles", ALL_ROLES):
            raise exceptions.PermissionDenied(_("Your role does not allow this."))
        request.business = membership.business
        request.membership = membership
        return True

    def _check_api_key(self, request, view, api_key: ApiKey) -> bool:
        if not getattr(view, "allow_api_key", True):
            raise exceptions.PermissionDenied(_("API keys cannot be used here; sign in."))
        writing = request.method not in permissions.SAFE_METHODS
        if writing and api_key.scope != ApiKeyScope.WRITE:
            raise exceptions.PermissionDenied(_("This API key is read-only."))
        request.business = api_key.business
        request.membership = None
        return True
