"""Browser forms for sources, typed-in reviews and CSV imports. They parse what was
typed; services.py decides what is valid (the API shares its checks)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Business
from cxplatform.errors import ApplicationError
from cxplatform.forms import UuidChoiceField

from ..models import Provider, ReviewSource
from ..selectors import locations_for_business
from .selectors import sources_open_for_entry
from .services import (
    MAX_SECRET_CHARS,
    OLDEST_YEAR,
    POLL_MINUTES_MAX,
    POLL_MINUTES_MIN,
    check_source,
    external_id_label,
    main_secret_key,
    optional_secrets,
    page_url_problem,
    secret_fields,
    stored_secrets,
)

# What the connect page says about each site, so an owner picks the right one.
PROVIDER_HELP = {
    Provider.GOOGLE: _(
        "Reviews of your Google Business Profile, read through the Business Profile API "
        "with your Google account's access; replies are posted back to Google."
    ),
    Provider.YELP: _(
        "Reviews from your Yelp page through the Yelp Fusion API key of your business."
    ),
    Provider.TRUSTPILOT: _("Reviews of your Trustpilot business unit through Trustpilot's API."),
    Provider.TRIPADVISOR: _(
        "Reviews of your Tripadvisor listing through the Tripadvisor Content API key."
    ),
    Provider.FEED: _(
        "Any review site or aggregator that publishes your reviews as an RSS or Atom feed."
    ),
    Provider.MANUAL: _(
        "Any other site: type reviews in by hand or import them from a CSV file. "
        "Never polled, needs no credentials."
    ),
}
FACEBOOK_NOTE = _(
    "Facebook: Facebook's ratings endpoint stopped working in Graph API v22, so the "
    "platform cannot read Facebook recommendations. Add them by hand or by CSV with an "
    "“Other site” source."
)
SECRET_PREFIX = "secret_"


def add_errors(form: forms.Form, error: ApplicationError, skip: set[str] = frozenset()) -> None:
    """Put a service's field-named errors beside the form's fields (the rest on top);
    a credential "secrets.<key>" is the field secret_<key>. Fields in `skip` already
    have an error of their own."""
    if not error.errors and error.message:
        form.add_error(None, error.message)
    for name, messages in error.errors.items():
        field = name.replace("secrets.", SECRET_PREFIX, 1)
        if field in skip:
            continue
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


class SourceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    location = UuidChoiceField(label=_("Location"), empty_label=_("All locations"))
    external_id = forms.CharField(max_length=500)
    review_page_url = forms.CharField(
        label=_("Page where customers write a review"), max_length=1000, required=False,
        help_text=_("Review requests send customers here."),
    )  # fmt: skip
    poll_interval_minutes = forms.IntegerField(
        label=_("Check for new reviews every (minutes)"),
        min_value=POLL_MINUTES_MIN, max_value=POLL_MINUTES_MAX,
        help_text=_("From 5 minutes to 7 days (10080)."),
    )  # fmt: skip
    base_url = forms.CharField(
        label=_("Advanced: API base URL"), max_length=500, required=False,
        help_text=_("Leave blank to use the site's own address."),
    )  # fmt: skip

    def __init__(
        self, *args, provider: str, business: Business, source: ReviewSource | None = None,
        fixed_secrets: dict[str, str] | None = None, **kwargs,
    ) -> None:  # fmt: skip
        """`fixed_secrets`: credentials the platform already holds (Connect with Google);
        the form then has no credential fields, so they are never typed nor shown."""
        super().__init__(*args, **kwargs)
        self.provider, self.source, self.fixed_secrets = provider, source, fixed_secrets
        self.fields["location"].queryset = locations_for_business(business=business)
        self.fields["poll_interval_minutes"].initial = settings.REPUTATION_DEFAULT_POLL_MINUTES
        if provider == Provider.MANUAL:
            for name in ("external_id", "poll_interval_minutes", "base_url"):
                del self.fields[name]
            return
        self.fields["external_id"].label = external_id_label(provider)
        if provider == Provider.FEED:
            del self.fields["base_url"]  # the feed's URL is the whole address
        if fixed_secrets is None:
            self._add_secret_fields(source)

    def _add_secret_fields(self, source: ReviewSource | None) -> None:
        optional = optional_secrets(self.provider)
        main = main_secret_key(self.provider)
        for key, label in secret_fields(self.provider):
            help_text = ""
            if source is not None and source.secrets_encrypted:
                help_text = (
                    _("Saved (%(hint)s). Leave blank to keep it.") % {"hint": source.secret_hint}
                    if key == main and source.secret_hint
                    else _("Leave blank to keep what is saved.")
                )
            self.fields[SECRET_PREFIX + key] = forms.CharField(
                label=label, max_length=MAX_SECRET_CHARS, help_text=help_text,
                required=source is None and key not in optional,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
            )  # fmt: skip

    def clean(self):
        """The service's checks too, so every problem shows at once (it checks again)."""
        data = super().clean()
        stored = stored_secrets(self.source) if self.source else {}
        current = initial_for(self.source) if self.source else {}
        values = {**current, **self.values()}
        problems = check_source(
            provider=self.provider, values=values, secrets=self.secrets(), stored=stored
        )
        add_errors(self, ApplicationError("", errors=problems), skip=set(self.errors))
        return data

    def values(self) -> dict:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if not name.startswith(SECRET_PREFIX)
        }

    def secrets(self) -> dict[str, str]:
        if self.fixed_secrets is not None:
            return dict(self.fixed_secrets)
        return {
            name.removeprefix(SECRET_PREFIX): value
            for name, value in self.cleaned_data.items()
            if name.startswith(SECRET_PREFIX) and value
        }


def initial_for(source: ReviewSource) -> dict:
    return {
        "name": source.name, "location": source.location.uuid if source.location else None,
        "external_id": source.external_id, "review_page_url": source.review_page_url,
        "poll_interval_minutes": source.poll_interval_minutes, "base_url": source.base_url,
    }  # fmt: skip


class SourcePickForm(forms.Form):
    """Which live source the reviews belong to (hand-entered sources listed first)."""

    source = UuidChoiceField(label=_("Site"), required=True, empty_label=None)

    def __init__(self, *args, business: Business, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.business = business
        self.fields["source"].queryset = sources_open_for_entry(business=business)


RATING_CHOICES = [("", _("No stars"))] + [(str(n), "★" * n) for n in range(1, 6)]


class ManualReviewForm(SourcePickForm):
    author = forms.CharField(label=_("Reviewer's name"), max_length=200, required=False)
    rating = forms.TypedChoiceField(
        label=_("Stars"), choices=RATING_CHOICES, coerce=int, empty_value=None, required=False
    )
    date = forms.DateField(
        label=_("Written on"), widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d"], help_text=_("As YYYY-MM-DD."),
    )  # fmt: skip
    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    text = forms.CharField(
        label=_("Review text"), max_length=20_000, required=False,
        widget=forms.Textarea(attrs={"rows": 6}), strip=False,
    )  # fmt: skip
    url = forms.CharField(label=_("Link to the review"), max_length=1000, required=False)

    def clean_date(self):
        day = self.cleaned_data["date"]
        today = timezone.localdate(timezone=self.business_zone())
        if day > today:
            raise forms.ValidationError(_("Written on: the date cannot be in the future."))
        if day.year < OLDEST_YEAR:
            raise forms.ValidationError(_("Written on: that is too long ago."))
        return day

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        problem = url and page_url_problem(url, _("Link to the review"))
        if problem:
            raise forms.ValidationError(problem)
        return url

    def clean(self):
        data = super().clean()
        if (
            not (data.get("text") or "").strip()
            and data.get("rating") is None
            and "rating" not in self.errors
        ):
            self.add_error("text", _("Review text: give the text, the stars, or both."))
        return data

    def business_zone(self) -> ZoneInfo:
        return ZoneInfo(self.business.time_zone)


class CsvImportForm(SourcePickForm):
    file = forms.FileField(label=_("CSV file (UTF-8)"))
