"""Checks shared by every app's inputs."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

# What an EmailField column holds (Django's default, the longest address SMTP carries).
# Django's validate_email takes up to 320 characters: a longer address than the column
# would pass it and then fail on INSERT.
EMAIL_MAX_LENGTH = 254


def validate_stored_email(value: str) -> None:
    """validate_email, and short enough for the column."""
    if len(value) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            _("An e-mail address has at most %(n)d characters."),
            code="max_length",
            params={"n": EMAIL_MAX_LENGTH},
        )
    validate_email(value)
