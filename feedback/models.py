from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import BusinessOwned, Location
from customers.models import Customer
from textanalysis.models import ScoredText


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
    # Replaced by a link to a journey touchpoint once journeys land.
    touchpoint = models.CharField(max_length=100, blank=True)
    intro = models.TextField(blank=True)
    privacy_note = models.TextField(blank=True)

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

    @property
    def is_open(self) -> bool:
        return self.status == SurveyStatus.ACTIVE


class QuestionKind(models.TextChoices):
    NPS = "nps", _("Likelihood to recommend (0-10)")
    TEXT = "text", _("Free text")


class Question(BusinessOwned):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=QuestionKind.choices)
    prompt = models.CharField(max_length=500)
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="question_unique_position")
        ]

    def __str__(self) -> str:
        return self.prompt


class Channel(models.TextChoices):
    LINK = "link", _("Link")
    EMBED = "embed", _("Embedded widget")
    QR = "qr", _("QR code")
    EMAIL = "email", _("E-mail")
    API = "api", _("API")


class Response(BusinessOwned):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL)
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.LINK)

    class Meta:
        indexes = [models.Index(fields=["business", "created_at"], name="response_business_time")]

    def __str__(self) -> str:
        return f"Response {self.uuid}"


class Answer(BusinessOwned, ScoredText):
    """One answer of a response: a number, a text, or both (by question kind)."""

    TEXT_FIELD = "text"

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    number = models.SmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_unique_question")
        ]
        indexes = [
            models.Index(fields=["business", "created_at"], name="answer_business_time"),
            models.Index(fields=["question", "number"], name="answer_question_number"),
            models.Index(
                fields=["created_at"],
                condition=models.Q(scored_at=None) & ~models.Q(text=""),
                name="answer_unscored",
            ),
        ]


class InteractionChannel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Chat")
    SOCIAL = "social", _("Social media")


class Mood(models.TextChoices):
    DELIGHTED = "delighted", _("Delighted")
    CONTENT = "content", _("Content")
    NEUTRAL = "neutral", _("Neutral")
    FRUSTRATED = "frustrated", _("Frustrated")
    ANGRY = "angry", _("Angry")


class Interaction(BusinessOwned, ScoredText):
    """A moment with a customer that a member of staff logged."""

    TEXT_FIELD = "note"

    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL)
    channel = models.CharField(max_length=16, choices=InteractionChannel.choices)
    touchpoint = models.CharField(max_length=100, blank=True)
    note = models.TextField()
    mood = models.CharField(max_length=16, choices=Mood.choices, blank=True)
    outcome = models.CharField(max_length=200, blank=True)
    follow_up_needed = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["business", "created_at"], name="interaction_business_time"),
            models.Index(
                fields=["created_at"],
                condition=models.Q(scored_at=None) & ~models.Q(note=""),
                name="interaction_unscored",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.created_at:%Y-%m-%d}"
