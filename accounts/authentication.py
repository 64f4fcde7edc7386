"""API authentication by per-business key: `Authorization: Api-Key <key>`."""

from __future__ import annotations

import hmac

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from .models import ApiKey
from .selectors import api_key_by_prefix
from .services import API_KEY_PREFIX, api_key_touch, hash_api_key

KEYWORD = "Api-Key"


class ApiKeyPrincipal:
    """Stands in for a user when a request is made with an API key."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, api_key: ApiKey) -> None:
        self.api_key = api_key

    def __str__(self) -> str:
        return f"API key {self.api_key.prefix}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _space, raw_key = header.partition(" ")
        if keyword != KEYWORD:
            return None
        api_key = self._find(raw_key.strip())
        api_key_touch(api_key=api_key)
        return ApiKeyPrincipal(api_key), api_key

    def authenticate_header(self, request) -> str:
        return KEYWORD

    def _find(self, raw_key: str) -> ApiKey:
        parts = raw_key.split("_", 2)
        if len(parts) != 3 or parts[0] != API_KEY_PREFIX:
            raise exceptions.AuthenticationFailed(_("Malformed API key."))
        api_key = api_key_by_prefix(prefix=parts[1])
        if api_key is None or not hmac.compare_digest(api_key.key_hash, hash_api_key(raw_key)):
            raise exceptions.AuthenticationFailed(_("Unknown API key."))
        if not api_key.is_active:
            raise exceptions.AuthenticationFailed(_("This API key has been revoked."))
        return api_key
