from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ApiKeyScope


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Where the key is used, e.g. “Till system”."),
    )
    scope = forms.ChoiceField(label=_("Access"), choices=ApiKeyScope.choices)
