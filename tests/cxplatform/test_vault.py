from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from cxplatform import vault


def test_it_round_trips_and_never_stores_the_plain_secret():
    token = vault.encrypt({"api_key": "sk-live-1234567890abcd"})
    assert "sk-live" not in token
    assert vault.decrypt(token) == {"api_key": "sk-live-1234567890abcd"}


def test_an_empty_token_is_no_secrets():
    assert vault.decrypt("") == {}


def test_a_rotated_key_still_reads_old_secrets_and_writes_with_the_new(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.SECRETS_ENCRYPTION_KEYS = [old]
    written_before = vault.encrypt({"token": "before"})
    settings.SECRETS_ENCRYPTION_KEYS = [new, old]
    assert vault.decrypt(written_before) == {"token": "before"}
    written_after = vault.encrypt({"token": "after"})
    settings.SECRETS_ENCRYPTION_KEYS = [new]
    assert vault.decrypt(written_after) == {"token": "after"}
    with pytest.raises(vault.SecretUnreadable, match="enter them again"):
        vault.decrypt(written_before)


@pytest.mark.parametrize(
    ("secret", "shown"), [("abcdefghijklmnop", "…mnop"), ("short", "…"), ("", "…")]
)
def test_the_hint_shows_at_most_the_last_four_characters_of_long_secrets(secret, shown):
    assert vault.hint(secret) == shown
