from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cxplatform.errors import ApplicationError

from .audit_log import NO_PERSON, action_label
from .branding import LOGO_MAX_BYTES, clean_brand_colour, clean_logo, logo_too_large
from .business_settings import NAME_MAX_LENGTH, RETENTION_MAX_MONTHS
from .models import ApiKeyScope, Industry, time_zone_names


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Where the key is used, e.g. “Till system”."),
    )
    scope = forms.ChoiceField(label=_("Access"), choices=ApiKeyScope.choices)


class BusinessSettingsForm(forms.Form):
    """The owner's settings. The checks are the service's (accounts.business_settings);
    each field left out of the POST is left as it is."""

    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX_LENGTH,
        help_text=_(
            "Shown to your customers on surveys and e-mails. Questions already written keep "
            "their words: change them in the survey builder."
        ),
    )
    industry = forms.ChoiceField(
        label=_("Industry"),
        choices=Industry.choices,
        help_text=_("The survey templates for your trade are offered first."),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        help_text=_(
            "Surveys, their e-mails, your team's invitations and drafted review replies are "
            "written in it, unless a survey has a language of its own; a survey page follows "
            "the customer's browser when it can. Questions already written keep their words."
        ),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_(
            "Times are shown in it, and your days, weeks and months counted in it, on every "
            "page, chart and report. Changing it recounts them all within a few minutes."
        ),
    )
    retention_months = forms.IntegerField(
        label=_("Keep customers' personal data and words for (months)"),
        required=False,
        min_value=1,
        max_value=RETENTION_MAX_MONTHS,
        help_text=_(
            "Every night, comments, notes and contact details older than this are removed and "
            "customers not heard from since lose their name and e-mail; scores and purchases "
            "stay in your figures. Leave empty to keep everything."
        ),
    )

    def __init__(self, *args, current_zone: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Every business has these: shown as required, and checked when sent (a field
        # left out of the POST is left as it is).
        for name in ("name", "industry", "language", "time_zone"):
            self.fields[name].required = not self.is_bound or name in self.data
        # The business's own zone is offered even if it is no longer on the list (set
        # before the list narrowed): saving the other settings must not move it.
        zones = time_zone_names()
        zones = zones if current_zone in zones else (current_zone, *zones)
        self.fields["time_zone"].choices = [(name, name) for name in zones]


class SurveyLookForm(forms.Form):
    """The survey's colour and logo; the checks are the service's (accounts.branding), so
    the page and the API refuse the same things with the same words."""

    brand_colour = forms.CharField(
        label=_("Brand colour"),
        required=False,
        help_text=_("As #rrggbb, e.g. #ffd400. Leave empty for the standard blue."),
        widget=forms.TextInput(
            attrs={"placeholder": "#ffd400", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG, JPEG or WebP, at most 256 KB. It is shown at the top of your surveys."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
        error_messages={
            "empty": _("Logo: the file is empty."),
            "invalid": _("Logo: no file arrived; please choose it again."),
        },
    )

    def clean_brand_colour(self) -> str:
        return field_checked(clean_brand_colour, self.cleaned_data["brand_colour"])

    def clean_logo(self) -> bytes | None:
        upload = self.cleaned_data["logo"]
        if not upload:
            return None
        if upload.size > LOGO_MAX_BYTES:  # refused before it is read into memory
            raise forms.ValidationError(logo_too_large(upload.size).message)
        content = upload.read()
        field_checked(clean_logo, content)
        return content


def field_checked(check, value):
    """`check(value)`, its ApplicationError turned into this field's form error."""
    try:
        return check(value)
    except ApplicationError as error:
        raise forms.ValidationError(error.message) from None


class AuditFilterForm(forms.Form):
    """Filters of the audit page; the choices are what the business's log holds.

    A value that is not among them (an old bookmark, an edited address, an action no
    longer in the log) is left out rather than refused: that filter shows everything,
    and `ignored` says so in words.
    """

    action = forms.ChoiceField(label=_("Action"), required=False)
    person = forms.ChoiceField(label=_("Person"), required=False)

    IGNORED = {
        "action": _("Unknown action, showing every action."),
        "person": _("Unknown person, showing everyone."),
    }

    def __init__(self, query=None, *, actions: list[str], people: list[str]) -> None:
        choices = {
            "action": [("", _("Every action")), *action_choices(actions)],
            "person": [
                ("", _("Everyone")),
                *((p, p) for p in people),
                (NO_PERSON, _("Nobody signed in (API key, schedule, customer)")),
            ],
        }
        data = None
        self.ignored: list[str] = []
        if query is not None:
            data = {name: query.get(name, "") for name in choices}
            for name, value in list(data.items()):
                if value not in {str(key) for key, _label in choices[name]}:
                    del data[name]
                    self.ignored.append(str(self.IGNORED[name]))
        super().__init__(data)
        for name, options in choices.items():
            self.fields[name].choices = options


def action_choices(actions: list[str]) -> list[tuple[str, str]]:
    """The actions in words, in alphabetical order of the words."""
    labelled = ((action, action_label(action)) for action in actions)
    return sorted(labelled, key=lambda choice: choice[1].casefold())
