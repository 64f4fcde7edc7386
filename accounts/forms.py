from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .audit_log import NO_PERSON
from .models import ApiKeyScope


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Where the key is used, e.g. “Till system”."),
    )
    scope = forms.ChoiceField(label=_("Access"), choices=ApiKeyScope.choices)


class BusinessSettingsForm(forms.Form):
    retention_months = forms.IntegerField(
        label=_("Keep customers' personal data and words for (months)"),
        required=False,
        min_value=1,
        max_value=240,
        help_text=_(
            "Every night, comments, notes and contact details older than this are removed and "
            "customers not heard from since lose their name and e-mail; scores and purchases "
            "stay in your figures. Leave empty to keep everything."
        ),
    )


class AuditFilterForm(forms.Form):
    """Filters of the audit page; the choices are what the business's log holds."""

    action = forms.ChoiceField(label=_("Action"), required=False)
    person = forms.ChoiceField(label=_("Person"), required=False)

    def __init__(self, *args, actions: list[str], people: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("Every action")), *((a, a) for a in actions)]
        self.fields["person"].choices = [
            ("", _("Everyone")),
            *((p, p) for p in people),
            (NO_PERSON, _("Nobody signed in (API key, schedule, customer)")),
        ]
