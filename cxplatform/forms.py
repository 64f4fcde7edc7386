"""Form fields every app's forms share."""

from __future__ import annotations

from django import forms


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
