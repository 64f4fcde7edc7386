from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Business, User
from cxplatform.forms import LocalDateTimeField

from ..models import CaseStatus
from .selectors import assignable_members


class CaseUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=CaseStatus.choices)
    assignee = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.none(), required=False,
        empty_label=_("Nobody yet"),
    )  # fmt: skip
    due_at = LocalDateTimeField(
        label=_("Due"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )  # fmt: skip

    def __init__(self, *args, business: Business, can_assign: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_members(business=business)
        if not can_assign:
            del self.fields["assignee"]


class CaseNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Add a note"), max_length=5_000, widget=forms.Textarea(attrs={"rows": 3})
    )
