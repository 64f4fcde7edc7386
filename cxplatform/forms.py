"""Form fields and habits every app's forms share."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LocalDateTimeField(forms.DateTimeField):
    """A date and time typed in the current time zone (the business's, on its pages).

    Django's field refuses a time in the hour that repeats when the clocks go back, and
    one in the hour they skip going forward. This one reads the first as its first pass
    and the second as that much after the change: a due time computed to fall there, sent
    back unchanged with the rest of its form, must not make the form unsaveable.
    """

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError as error:
            if error.code != "ambiguous_timezone":
                raise
        # Only a time without an offset gets here: read it as typed (in UTC, where every
        # clock time is once), then give it the zone's offset before the change (fold=0).
        with timezone.override(UTC):
            typed = super().to_python(value)
        return typed.replace(tzinfo=timezone.get_current_timezone())


class UuidChoiceField(forms.ModelChoiceField):
    """Picks one of the business's objects by its public uuid (optional unless said).

    Text that is no uuid at all gets the same "no such ..." message as an unknown uuid,
    not a lesson in uuid syntax: ModelChoiceField lets the uuid field's own error through.
    """

    def __init__(self, queryset=None, **kwargs) -> None:
        kwargs.setdefault("required", False)
        super().__init__(queryset=queryset, to_field_name="uuid", **kwargs)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError as error:
            if error.code == "invalid_choice":
                raise
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from error


class StrictQueryMixin:
    """For a form of filters read from a query string (put it first among the bases).

    A parameter the form does not know is refused by name rather than silently ignored,
    so a typo in a saved link or an API call never shows unfiltered figures or rows as
    if they were filtered. `also_known` names parameters that belong to the page or the
    API rather than to the filters (paging).
    """

    def __init__(self, *args, also_known: Iterable[str] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.known = set(self.fields) | set(also_known)

    def clean(self) -> dict:
        data = super().clean()
        unknown = sorted(set(self.data) - self.known)
        if unknown:
            raise forms.ValidationError(
                _("Unknown filter: %(names)s. Known filters: %(known)s."),
                params={"names": ", ".join(unknown), "known": ", ".join(sorted(self.known))},
            )
        return data

    def error_dict(self) -> dict[str, list[str]]:
        """The errors by field name ("filters" for the whole query), for the API's 400."""
        return {
            ("filters" if field == "__all__" else field): list(messages)
            for field, messages in self.errors.items()
        }
