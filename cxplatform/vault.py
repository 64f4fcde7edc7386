"""Secrets at rest (review-site tokens and API keys): encrypted with Fernet
(AES-128-CBC + HMAC-SHA256) under keys from the environment.

`SECRETS_ENCRYPTION_KEYS` lists Fernet keys, newest first: a secret is always
written with the first and read with any, so a key is rotated by putting a new
one in front and re-saving the secrets. Without the variable (demo, tests) one key
is derived from SECRET_KEY.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretUnreadable(Exception):
    """Encrypted with a key this installation no longer has."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def derived_key(secret_key: str) -> str:
    digest = hashlib.sha256(f"vault:{secret_key}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def encryption_keys() -> tuple[str, ...]:
    return tuple(settings.SECRETS_ENCRYPTION_KEYS) or (derived_key(settings.SECRET_KEY),)


def encrypt(values: dict[str, str]) -> str:
    """A dict of secrets as one opaque token for a TextField."""
    return _fernet(encryption_keys()).encrypt(json.dumps(values).encode()).decode()


def decrypt(token: str) -> dict[str, str]:
    if not token:
        return {}
    try:
        return json.loads(_fernet(encryption_keys()).decrypt(token.encode()))
    except InvalidToken:
        raise SecretUnreadable(
            "The stored credentials cannot be decrypted with this installation's keys; "
            "enter them again."
        ) from None


def hint(secret: str) -> str:
    """What the page may show of a secret after entry: its last four characters."""
    return f"…{secret[-4:]}" if len(secret) >= 12 else "…"
