"""Browser forms: they parse what was typed; configuration.py decides what is valid."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cxplatform.errors import ApplicationError

from .configuration import terms_from_text
from .models import Aspect, InsightSettings


class InsightSettingsForm(forms.Form):
    alert_threshold = forms.FloatField(
        label=_("Alert threshold"),
        help_text=_(
            "A text scoring this or lower raises an alert: -1 is the most negative, 0 neutral."
        ),
        widget=forms.NumberInput(attrs={"step": "0.05", "min": "-1", "max": "0"}),
    )
    urgent_terms = forms.CharField(
        label=_("Urgent words and phrases"),
        help_text=_(
            "One per line or separated by commas; “refund*” also finds “refunds” and "
            "“refunded”. A text naming one raises an alert whatever its score."
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    webhook_url = forms.CharField(
        label=_("Webhook URL"),
        help_text=_("Alerts are also posted here (Slack-compatible), e.g. https://hooks…"),
        required=False,
        max_length=500,
        widget=forms.URLInput(),
    )

    @classmethod
    def initial_for(cls, row: InsightSettings) -> dict:
        return {
            "alert_threshold": row.alert_threshold,
            "urgent_terms": "\n".join(row.urgent_terms),
            "webhook_url": row.webhook_url,
        }

    def changes(self) -> dict:
        data = self.cleaned_data
        return {
            "alert_threshold": data["alert_threshold"],
            "urgent_terms": terms_from_text(data["urgent_terms"]),
            "webhook_url": data["webhook_url"],
        }


class AspectForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    terms = forms.CharField(
        label=_("Words and phrases"),
        help_text=_("Separated by commas; “wait*” also finds “waited” and “waiting”."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    @classmethod
    def initial_for(cls, aspect: Aspect) -> dict:
        return {"name": aspect.name, "terms": ", ".join(aspect.terms)}

    def changes(self) -> dict:
        return {
            "name": self.cleaned_data["name"],
            "terms": terms_from_text(self.cleaned_data["terms"]),
        }


def add_errors(form: forms.Form, error: ApplicationError) -> None:
    """Put a service's field-named errors on the form's fields (the rest on top)."""
    if not error.errors:
        form.add_error(None, error.message)
    for name, messages in error.errors.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
