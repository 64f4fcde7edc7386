from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cxplatform.forms import UuidChoiceField

from ..catalog import template_choices
from ..models import Question, QuestionKind, Survey, TrustPillar
from ..touchpoints import touchpoint_label, touchpoints_to_pick
from .services import QuestionInput, RemovalSeen


class NewSurveyForm(forms.Form):
    template = forms.ChoiceField(label=_("Start from"), required=False, choices=())
    name = forms.CharField(
        label=_("Name"), max_length=200, required=False,
        help_text=_("A blank survey needs a name; from a template, leave empty to use its name."),
    )  # fmt: skip

    def __init__(self, *args, industry: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = template_choices(industry)


class TouchpointChoiceField(UuidChoiceField):
    def label_from_instance(self, touchpoint) -> str:
        return touchpoint_label(touchpoint)


def touchpoint_field(*, business_id: int, current=None, label=None) -> TouchpointChoiceField:
    """A picker of the business's live touchpoints (and the current one, even archived)."""
    return TouchpointChoiceField(
        label=label or _("Moment of the journey it measures"),
        empty_label=_("Not on the journey"),
        queryset=touchpoints_to_pick(business_id=business_id, also=current),
    )


class SurveySettingsForm(forms.ModelForm):
    language = forms.ChoiceField(
        label=_("Language"), required=False,
        choices=[("", _("The customer's browser language")), *settings.LANGUAGES],
    )  # fmt: skip

    class Meta:
        model = Survey
        fields = ["name", "intro", "privacy_note", "touchpoint", "status", "allow_anonymous",
                  "language"]  # fmt: skip
        help_texts = {
            # The model's help repeats the label word for word.
            "allow_anonymous": _(
                "Untick to ask every customer for an e-mail address. It is kept with the "
                "answers; it is not a request to be contacted."
            ),
        }
        labels = {
            "intro": _("Why you ask (shown at the top)"),
            "privacy_note": _("Privacy line (shown at the bottom)"),
            "touchpoint": _("Moment of the journey it measures"),
            "allow_anonymous": _("Customers may answer without giving their e-mail"),
        }
        widgets = {
            "intro": forms.Textarea(attrs={"rows": 2}),
            "privacy_note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["touchpoint"] = touchpoint_field(
            business_id=self.instance.business_id, current=self.instance.touchpoint
        )


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=QuestionKind.choices)
    prompt = forms.CharField(label=_("Question"), max_length=500)
    required = forms.BooleanField(label=_("An answer is required"), required=False, initial=True)
    choices = forms.CharField(
        label=_("Options (one per line)"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For single and multiple choice questions."),
    )  # fmt: skip
    pillar = forms.ChoiceField(
        label=_("Pillar of trust"), required=False, choices=[("", "—"), *TrustPillar.choices],
        help_text=_("For trust items."),
    )  # fmt: skip
    show_if_question = UuidChoiceField(label=_("Ask only after"), empty_label=_("Always ask"))
    show_if_min = forms.IntegerField(label=_("…answered from"), required=False)
    show_if_max = forms.IntegerField(label=_("…to"), required=False)
    show_if_choices = forms.CharField(
        label=_("…or chose (one per line)"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def __init__(self, *args, survey: Survey, before: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        earlier = survey.questions.exclude(kind=QuestionKind.TEXT)
        if before is not None:
            earlier = earlier.filter(position__lt=before)
        self.fields["show_if_question"].queryset = earlier
        self.fields["show_if_question"].label_from_instance = lambda q: f"{q.position}. {q.prompt}"

    def to_input(self) -> QuestionInput:
        data = self.cleaned_data
        return QuestionInput(
            kind=data["kind"],
            prompt=data["prompt"],
            required=data["required"],
            choices=lines(data["choices"]),
            pillar=data["pillar"],
            show_if_question=data["show_if_question"],
            show_if_min=data["show_if_min"],
            show_if_max=data["show_if_max"],
            show_if_choices=lines(data["show_if_choices"]),
        )

    @classmethod
    def initial_for(cls, question: Question) -> dict:
        return {
            "kind": question.kind,
            "prompt": question.prompt,
            "required": question.required,
            "choices": "\n".join(question.choices),
            "pillar": question.pillar,
            "show_if_question": question.show_if_question.uuid
            if question.show_if_question
            else None,
            "show_if_min": question.show_if_min,
            "show_if_max": question.show_if_max,
            "show_if_choices": "\n".join(question.show_if_choices),
        }


class RemovalConfirmForm(forms.Form):
    """The confirmation page's hidden fields: "yes" and the counts it showed the owner."""

    confirm = forms.ChoiceField(choices=[("yes", "yes")])
    answers = forms.IntegerField(min_value=0)
    follow_ups = forms.IntegerField(min_value=0)

    def seen(self) -> RemovalSeen | None:
        """The counts confirmed; None when the POST is no confirmation (the list's Remove
        button, or a page too old to carry its counts: it is shown again)."""
        if not self.is_valid():
            return None
        return RemovalSeen(
            answers=self.cleaned_data["answers"], follow_ups=self.cleaned_data["follow_ups"]
        )


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
