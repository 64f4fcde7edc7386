from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand: their name, contact details and words are removed for good."),
        error_messages={"required": _("Tick the box to confirm the erasure.")},
    )
