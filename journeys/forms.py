"""Browser forms of the journey editor: they parse what was typed; services.py decides."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.utils.translation import gettext_lazy as _

from cxplatform.errors import ApplicationError

from .models import Stage

NAME_MAX = 100


class StageForm(forms.Form):
    name = forms.CharField(label=_("Stage name"), max_length=NAME_MAX)


class TouchpointForm(forms.Form):
    name = forms.CharField(label=_("Touchpoint name"), max_length=NAME_MAX)


class TouchpointEditForm(forms.Form):
    """Rename a touchpoint, or move it to another live stage of the journey."""

    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
    stage = forms.ChoiceField(label=_("Stage"))

    def __init__(self, *args, stages: Iterable[Stage], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stages = {str(stage.uuid): stage for stage in stages}
        self.fields["stage"].choices = [(key, stage.name) for key, stage in self.stages.items()]

    def chosen_stage(self) -> Stage:
        return self.stages[self.cleaned_data["stage"]]


class MoveForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("Direction"), choices=[("up", _("Up")), ("down", _("Down"))]
    )

    def offset(self) -> int:
        return -1 if self.cleaned_data["direction"] == "up" else 1


def add_errors(form: forms.Form, error: ApplicationError) -> None:
    """Put a service's field-named errors on the form's fields (the rest on top)."""
    if not error.errors:
        form.add_error(None, error.message)
    for name, messages in error.errors.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
