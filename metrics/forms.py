"""The dashboard's filters from a query string: one form for the page, the API and CSV.

Period, location and segment are checked as on the journey map (the same form); the
dashboard adds touchpoint, survey, channel and the trend's grain. A parameter the
dashboard does not know is refused by name rather than silently ignored, so a typo in a
saved link or an API call does not show unfiltered figures as if they were filtered.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Business
from cxplatform.forms import StrictQueryMixin, UuidChoiceField
from feedback.models import Channel, Survey
from journeys.filters import MapFilterForm
from journeys.models import STAFF_CHANNEL, Touchpoint

from .filters import KpiFilters, Period
from .selectors import GRAINS, default_grain

MARGIN_ERROR = _("Give the gross margin as a number from 0 to 1, e.g. 0.35.")
CHANNELS = [*Channel.choices, (STAFF_CHANNEL, _("Logged by staff"))]


class StrictFilterForm(StrictQueryMixin, MapFilterForm):
    """Refuses query parameters it does not know (see the module docstring)."""

    @property
    def kpi_filters(self) -> KpiFilters:
        data = self.cleaned_data
        return KpiFilters(period=Period(*self.period), location=data.get("location"))


class PurchaseFilterForm(StrictFilterForm):
    """Purchases have a period and a location; segment and tag do not apply."""

    segment = None
    tag = None
    margin = forms.FloatField(
        label=_("Gross margin"), required=False, min_value=0, max_value=1,
        error_messages=dict.fromkeys(("invalid", "min_value", "max_value"), MARGIN_ERROR),
    )  # fmt: skip


class KpiFilterForm(StrictFilterForm):
    tag = None  # customer tags are not a roll-up dimension; the map offers them
    touchpoint = UuidChoiceField(
        label=_("Touchpoint"), empty_label=_("All touchpoints"),
        error_messages={"invalid_choice": _("This business has no such touchpoint.")},
    )  # fmt: skip
    survey = UuidChoiceField(
        label=_("Survey"), empty_label=_("All surveys"),
        error_messages={"invalid_choice": _("This business has no such survey.")},
    )  # fmt: skip
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All channels")), *CHANNELS],
        error_messages={"invalid_choice": _("Choose one of the listed channels.")},
    )  # fmt: skip
    grain = forms.ChoiceField(
        label=_("Trend by"), required=False,
        choices=[("", _("Automatic")), ("week", _("Week")), ("month", _("Month"))],
        error_messages={"invalid_choice": _("Choose week or month.")},
    )  # fmt: skip

    def __init__(self, data, *, business: Business) -> None:
        super().__init__(data, business=business)
        self.fields["touchpoint"].queryset = Touchpoint.objects.filter(business=business)
        self.fields["survey"].queryset = Survey.objects.filter(business=business)

    @property
    def kpi_filters(self) -> KpiFilters:
        data = self.cleaned_data
        return KpiFilters(
            period=Period(*self.period),
            location=data.get("location"),
            touchpoint=data.get("touchpoint"),
            survey=data.get("survey"),
            channel=data.get("channel") or "",
            segment=data.get("segment") or "",
        )

    @property
    def trend_grain(self) -> str:
        chosen = self.cleaned_data.get("grain")
        return chosen if chosen in GRAINS else default_grain(self.kpi_filters.period)
