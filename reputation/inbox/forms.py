"""The inbox's filters (one form for the page and the API) and the reply form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Business
from cxplatform.forms import StrictQueryMixin, UuidChoiceField
from textanalysis.models import SentimentLabel

from ..selectors import locations_for_business, review_sources_for_business
from .services import REPLY_MAX_LENGTH, reply_text_problem

RATINGS = [("", _("Any rating"))] + [(str(n), f"{n} ★") for n in range(1, 6)]
REPLIED_CHOICES = [("", _("Replied or not")), ("yes", _("Replied")), ("no", _("Not replied"))]
SENTIMENTS = [
    ("", _("Any sentiment")),
    (SentimentLabel.POSITIVE.value, SentimentLabel.POSITIVE.label),
    (SentimentLabel.NEUTRAL.value, SentimentLabel.NEUTRAL.label),
    (SentimentLabel.NEGATIVE.value, SentimentLabel.NEGATIVE.label),
    (SentimentLabel.NOT_SCORED.value, SentimentLabel.NOT_SCORED.label),
    ("pending", _("Being analysed")),
]


class ReviewFilterForm(StrictQueryMixin, forms.Form):
    """The inbox filters from a query string. A parameter it does not know is refused by
    name (as the dashboard does), so a typo never shows unfiltered reviews as filtered."""

    source = UuidChoiceField(
        label=_("Site"), empty_label=_("All sites"),
        error_messages={"invalid_choice": _("This business has no such review source.")},
    )  # fmt: skip
    rating = forms.TypedChoiceField(
        label=_("Rating"), required=False, choices=RATINGS, coerce=int, empty_value=None,
        error_messages={"invalid_choice": _("Choose a rating from 1 to 5.")},
    )  # fmt: skip
    location = UuidChoiceField(
        label=_("Location"), empty_label=_("All locations"),
        error_messages={"invalid_choice": _("This business has no such location.")},
    )  # fmt: skip
    replied = forms.ChoiceField(
        label=_("Reply"), required=False, choices=REPLIED_CHOICES,
        error_messages={"invalid_choice": _("Choose “yes” (replied) or “no” (not replied).")},
    )  # fmt: skip
    sentiment = forms.ChoiceField(
        label=_("Sentiment"), required=False, choices=SENTIMENTS,
        error_messages={"invalid_choice": _("Choose one of the listed sentiments.")},
    )  # fmt: skip
    deleted = forms.ChoiceField(
        label=_("Removed from the site"), required=False,
        choices=[("", _("Hide")), ("1", _("Show"))],
        error_messages={"invalid_choice": _("Use 1 to show reviews removed from their site.")},
    )  # fmt: skip

    def __init__(self, data, *, business: Business, also_known: tuple[str, ...] = ()) -> None:
        # Paging parameters belong to the page or the API, not to the filters.
        super().__init__(data, also_known=also_known)
        self.fields["source"].queryset = review_sources_for_business(business=business)
        self.fields["location"].queryset = locations_for_business(business=business)

    @property
    def filters(self) -> dict:
        """Keyword arguments for selectors.reviews_for_business."""
        data = self.cleaned_data
        replied = {"yes": True, "no": False}.get(data.get("replied") or "")
        return {
            "source": data.get("source"),
            "rating": data.get("rating"),
            "location": data.get("location"),
            "replied": replied,
            "sentiment": data.get("sentiment") or "",
            "include_deleted": data.get("deleted") == "1",
        }


ACTIONS = [
    ("save", _("Save draft")),
    ("check", _("Check")),
    ("suggest", _("Suggest a new draft")),
    ("post", _("Post reply")),
    ("copied", _("Mark as replied on the site")),
]


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your reply"), required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 10, "maxlength": REPLY_MAX_LENGTH}),
        help_text=_("Visible to everyone on the site. Edit the draft so it sounds like you."),
    )  # fmt: skip
    action = forms.ChoiceField(
        choices=ACTIONS, error_messages={"invalid_choice": _("Choose what to do with the reply.")}
    )

    def clean(self) -> dict:
        data = super().clean()
        text = data.get("text") or ""
        # Posting needs words; a draft or a check may be empty, but never too long.
        problem = reply_text_problem(text, required=data.get("action") == "post")
        if problem:
            self.add_error("text", problem)
        return data
