from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Business, Location
from cxplatform.forms import LocalDateTimeField, UuidChoiceField
from cxplatform.validators import EMAIL_MAX_LENGTH

from .importing import ENCODINGS, FIELDS


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False, max_length=EMAIL_MAX_LENGTH)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    consent_to_contact = forms.BooleanField(
        label=_("Agreed to be contacted (surveys, follow-ups)"), required=False
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=500, help_text=_("Separated by commas.")
    )

    def clean_tags(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]


class PurchaseForm(forms.Form):
    purchased_at = LocalDateTimeField(
        label=_("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )  # fmt: skip
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=12, decimal_places=2)
    currency = forms.RegexField(label=_("Currency"), regex=r"^[A-Za-z]{3}$", initial="EUR",
                                error_messages={"invalid": _("Use a code like EUR.")})  # fmt: skip
    order_reference = forms.CharField(label=_("Order reference"), max_length=100, required=False)
    location = UuidChoiceField(label=_("Location"), empty_label=_("No particular location"))

    def __init__(self, *args, business: Business, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = Location.objects.filter(business=business)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file from your till or shop system"))
    encoding = forms.ChoiceField(
        label=_("Text encoding"), choices=list(ENCODINGS.items()), required=False,
        help_text=_("Leave it to detect unless letters like é or ñ come out wrong."),
    )  # fmt: skip


class EncodingForm(forms.Form):
    encoding = forms.ChoiceField(label=_("Read the file as"), choices=list(ENCODINGS.items()))


class MappingForm(forms.Form):
    day_first = forms.TypedChoiceField(
        label=_("Dates like 05/03/2024 mean"), coerce=lambda v: v == "1",
        choices=[("1", _("5 March (day first)")), ("0", _("May 3 (month first)"))], initial="1",
    )  # fmt: skip
    currency = forms.RegexField(
        label=_("Currency when the file names none"), regex=r"^[A-Za-z]{3}$", initial="EUR"
    )

    def __init__(self, *args, headers: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— not in the file —")), *[(h, h) for h in headers]]
        for name, label in FIELDS.items():
            self.fields[f"map_{name}"] = forms.ChoiceField(
                label=label, choices=choices, required=False
            )

    def mapping(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(f"map_{name}", "") for name in FIELDS}
