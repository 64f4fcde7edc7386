"""The map's filters from a query string: period, location, segment, customer tag.

One form for the page and the API, so both say the same thing about bad input.
"""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Business, Location
from customers.models import Customer
from cxplatform.forms import UuidChoiceField

from .models import Segment
from .rollups import Filters, local_today, tag_filter

DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366


class MapFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("To"), required=False)
    location = UuidChoiceField(
        label=_("Location"), empty_label=_("All locations"),
        error_messages={"invalid_choice": _("This business has no such location.")},
    )  # fmt: skip
    segment = forms.ChoiceField(
        label=_("Customers"), required=False,
        choices=[("", _("All customers")), (Segment.NEW, _("New customers")),
                 (Segment.RETURNING, _("Returning customers"))],
        error_messages={"invalid_choice": _("Choose new or returning customers.")},
    )  # fmt: skip
    tag = forms.CharField(label=_("Customer tag"), required=False, max_length=50)

    def __init__(self, data, *, business: Business) -> None:
        super().__init__(data)
        self.business = business
        self.fields["location"].queryset = Location.objects.filter(business=business)

    def clean_tag(self) -> str:
        tag = self.cleaned_data["tag"].strip()
        if tag and not Customer.objects.filter(tag_filter(tag), business=self.business).exists():
            raise forms.ValidationError(
                _("No customer has the tag “%(tag)s”."), params={"tag": tag}
            )
        return tag

    def clean(self) -> dict:
        data = super().clean()
        end = data.get("end") or local_today(self.business)
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        if "start" in self.errors or "end" in self.errors:
            return data
        if end > local_today(self.business):
            self.add_error("end", _("The period cannot end after today."))
        elif end < start:
            self.add_error("end", _("The period ends before it starts."))
        elif (end - start).days >= MAX_DAYS:
            self.add_error("start", _("Choose a period of at most three years."))
        data["start"], data["end"] = start, end
        return data

    @property
    def period(self) -> tuple[date, date]:
        return self.cleaned_data["start"], self.cleaned_data["end"]

    def filter_labels(self) -> list[str]:
        """The filters in words, for the printed map's heading."""
        data, labels = self.cleaned_data, []
        if data.get("location"):
            labels.append(data["location"].name)
        if data.get("segment"):
            labels.append(str(Segment(data["segment"]).label))
        if data.get("tag"):
            labels.append(str(_("customers tagged “%(tag)s”") % {"tag": data["tag"]}))
        return labels

    @property
    def filters(self) -> Filters:
        data = self.cleaned_data
        location = data.get("location")
        return Filters(
            location_id=location.pk if location else None,
            segment=data.get("segment") or "",
            tag=data.get("tag") or "",
        )
