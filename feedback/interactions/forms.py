from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Business, Location
from customers.models import Customer
from cxplatform.forms import UuidChoiceField
from cxplatform.validators import EMAIL_MAX_LENGTH

from ..builder.forms import touchpoint_field
from ..models import InteractionChannel, Mood
from .services import NewCustomer


class InteractionForm(forms.Form):
    """What staff fill in on a phone: the few things that matter, big touch targets."""

    customer = forms.UUIDField(required=False, widget=forms.HiddenInput)
    customer_name = forms.CharField(label=_("Customer name"), max_length=200, required=False)
    # Not just "E-mail" and "Phone": the channel chips below use those words.
    customer_email = forms.EmailField(
        label=_("Customer e-mail"), required=False, max_length=EMAIL_MAX_LENGTH
    )
    customer_phone = forms.CharField(label=_("Customer phone"), max_length=40, required=False)
    channel = forms.ChoiceField(
        label=_("How"), choices=InteractionChannel.choices, widget=forms.RadioSelect,
        initial=InteractionChannel.IN_PERSON,
    )  # fmt: skip
    note = forms.CharField(
        label=_("What happened"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 4})
    )
    mood = forms.ChoiceField(
        label=_("How the customer seemed"), choices=[("", _("Not sure")), *Mood.choices],
        required=False, widget=forms.RadioSelect,
    )  # fmt: skip
    outcome = forms.CharField(label=_("Outcome"), max_length=200, required=False)
    follow_up_needed = forms.BooleanField(label=_("Someone should follow up"), required=False)
    location = UuidChoiceField(label=_("Location"))

    def __init__(self, *args, business: Business, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.business = business
        self.fields["location"].queryset = Location.objects.filter(business=business)
        self.fields["touchpoint"] = touchpoint_field(
            business_id=business.pk, label=_("Where in the journey")
        )
        self.order_fields(["customer", "customer_name", "customer_email", "customer_phone",
                           "channel", "touchpoint"])  # fmt: skip

    def clean_customer(self) -> Customer | None:
        customer_uuid = self.cleaned_data.get("customer")
        if customer_uuid is None:
            return None
        customer = Customer.objects.filter(business=self.business, uuid=customer_uuid).first()
        if customer is None:
            raise forms.ValidationError(_("This business has no such customer."))
        return customer

    def new_customer(self) -> NewCustomer:
        data = self.cleaned_data
        return NewCustomer(
            name=data.get("customer_name", ""),
            email=data.get("customer_email", ""),
            phone=data.get("customer_phone", ""),
        )
