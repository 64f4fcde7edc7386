from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import BusinessOwned


class SurveyStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")
    ARCHIVED = "archived", _("Archived")


class Survey(BusinessOwned):
    name = models.CharField(max_length=200)
    status = models.CharField(
        max_length=16, choices=SurveyStatus.choices, default=SurveyStatus.ACTIVE
    )
    is_default = models.BooleanField(default=False)
    # The template it was built from (see feedback.catalog), blank when built by hand.
    template = models.CharField(max_length=64, blank=True)
    # The moment of the journey it measures: its answers are heard there on the map.
    touchpoint = models.ForeignKey(
        "journeys.Touchpoint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    intro = models.TextField(blank=True)
    privacy_note = models.TextField(blank=True)
    # Blank: the customer's browser language, else the business's.
    language = models.CharField(max_length=8, blank=True)
    allow_anonymous = models.BooleanField(
        default=True,
        help_text=_("Customers may answer without giving their e-mail."),
    )
    # Origins such as "https://bluebird.example" allowed to frame the embedded survey.
    embed_origins = models.JSONField(default=list, blank=True)
    # Send an invitation this many hours after each recorded purchase (blank: never).
    invite_after_purchase_hours = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(24 * 30)]
    )
    # One reminder at most, this many hours after the invitation (blank: no reminder).
    reminder_after_hours = models.PositiveSmallIntegerField(
        null=True, blank=True, default=72, validators=[MinValueValidator(1)]
    )
    # Raised by every change to the survey or its questions (feedback.selectors.
    # public_survey_forget): a submission checked against a copy cached in a web process
    # is stored only while the version it was read at is still current.
    definition_version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business"],
                condition=models.Q(is_default=True),
                name="survey_one_default_per_business",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, **kwargs) -> None:
        # Only public_survey_forget writes definition_version (F() + 1): a full save of
        # an instance read earlier must not put an older number back.
        if (
            not (self._state.adding or kwargs.get("force_insert"))
            and kwargs.get("update_fields") is None
        ):
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "definition_version"
            ]
        super().save(**kwargs)

    @property
    def is_open(self) -> bool:
        return self.status == SurveyStatus.ACTIVE

    @property
    def written_language(self) -> str:
        """The language its texts are written in and its e-mails sent in: its own, else
        its business's."""
        return self.language or self.business.language


class QuestionKind(models.TextChoices):
    NPS = "nps", _("Likelihood to recommend (0-10)")
    CSAT = "csat", _("Satisfaction (1-5)")
    CES = "ces", _("Effort: agreement (1-7)")
    RATING = "rating", _("Star rating (1-5)")
    SINGLE_CHOICE = "single_choice", _("Single choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
    TEXT = "text", _("Free text")
    TRUST = "trust", _("Trust item: agreement (1-7)")


class TrustPillar(models.TextChoices):
    RELIABILITY = "reliability", _("Reliability")
    INTEGRITY = "integrity", _("Integrity")
    COMPETENCE = "competence", _("Competence")
    BENEVOLENCE = "benevolence", _("Benevolence")


class Question(BusinessOwned):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=QuestionKind.choices)
    prompt = models.CharField(max_length=500)
    required = models.BooleanField(default=True)
    # Options of single and multiple choice questions.
    choices = models.JSONField(default=list, blank=True)
    # Trust items only: which pillar of trust the item measures.
    pillar = models.CharField(max_length=16, choices=TrustPillar.choices, blank=True)
    # A follow-up: asked only when the answer to `show_if_question` is between
    # `show_if_min` and `show_if_max` (numbers) or among `show_if_choices`.
    show_if_question = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="follow_ups"
    )
    show_if_min = models.SmallIntegerField(null=True, blank=True)
    show_if_max = models.SmallIntegerField(null=True, blank=True)
    show_if_choices = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "position"],
                name="question_unique_position",
                deferrable=models.Deferrable.DEFERRED,
            )
        ]

    def __str__(self) -> str:
        return self.prompt
