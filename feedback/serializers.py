from __future__ import annotations

import uuid

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cxplatform.validators import EMAIL_MAX_LENGTH
from textanalysis.serializers import SentimentSerializer

from .answers import SCALES, scale_labels
from .models import Answer, Channel, Question, Response, Survey
from .touchpoints import TouchpointSerializer


class ScaleSerializer(serializers.Serializer):
    min = serializers.IntegerField()
    max = serializers.IntegerField()
    min_label = serializers.CharField()
    max_label = serializers.CharField()


class ConditionSerializer(serializers.Serializer):
    question = serializers.UUIDField()
    min = serializers.IntegerField(allow_null=True)
    max = serializers.IntegerField(allow_null=True)
    choices = serializers.ListField(child=serializers.CharField())


class QuestionSerializer(serializers.ModelSerializer):
    scale = serializers.SerializerMethodField()
    show_if = serializers.SerializerMethodField()

    class Meta:
        model = Question
        fields = [
            "uuid", "position", "kind", "prompt", "required", "scale", "choices", "pillar",
            "show_if",
        ]  # fmt: skip

    @extend_schema_field(ScaleSerializer(allow_null=True))
    def get_scale(self, question: Question) -> dict | None:
        """The numbers a scale question takes and what its ends mean."""
        if question.kind not in SCALES:
            return None
        low, high = SCALES[question.kind]
        low_label, high_label = scale_labels(question.kind)
        return {"min": low, "max": high, "min_label": low_label, "max_label": high_label}

    @extend_schema_field(ConditionSerializer(allow_null=True))
    def get_show_if(self, question: Question) -> dict | None:
        """For a follow-up: the earlier question and the answers that make it asked."""
        if question.show_if_question_id is None:
            return None
        return {
            "question": str(question.show_if_question.uuid),
            "min": question.show_if_min,
            "max": question.show_if_max,
            "choices": question.show_if_choices,
        }


class PublicSurveySerializer(serializers.ModelSerializer):
    business = serializers.CharField(source="business.name")
    questions = QuestionSerializer(many=True)

    class Meta:
        model = Survey
        fields = [
            "uuid", "name", "business", "intro", "privacy_note", "allow_anonymous", "questions",
        ]  # fmt: skip


class SurveySerializer(serializers.ModelSerializer):
    questions = QuestionSerializer(many=True)
    touchpoint = TouchpointSerializer(allow_null=True, read_only=True)
    public_url = serializers.SerializerMethodField()

    class Meta:
        model = Survey
        fields = [
            "uuid", "name", "status", "is_default", "touchpoint", "intro", "privacy_note",
            "allow_anonymous", "language", "embed_origins", "invite_after_purchase_hours",
            "reminder_after_hours", "public_url", "questions",
        ]  # fmt: skip

    def get_public_url(self, survey: Survey) -> str:
        path = reverse("feedback:survey", args=[survey.uuid])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


CHANNELS = frozenset(Channel.values)


class ResponseSubmitSerializer(serializers.Serializer):
    answers = serializers.DictField(
        help_text="Maps each question's uuid to the answer: a whole number for nps, text for text."
    )
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.API)
    contact_requested = serializers.BooleanField(
        default=False, help_text="The customer asks to be contacted about this answer."
    )
    contact_email = serializers.CharField(
        max_length=EMAIL_MAX_LENGTH, required=False, allow_blank=True, default="",
        help_text="Kept only when contact is requested (or the survey takes no anonymous answers).",
    )  # fmt: skip
    location = serializers.UUIDField(required=False, allow_null=True)


def fast_envelope(data: object) -> dict | None:
    """ResponseSubmitSerializer's validated data for the usual body, read without the
    serializer (it costs as much as storing the answers): a JSON object with `answers`
    an object, `channel` a known channel, `contact_requested` true or false,
    `contact_email` a plain string, `location` a uuid or null (each but `answers` may be
    left out). None for anything else: then the serializer decides and words the errors."""
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        return None
    channel = data.get("channel", Channel.API)
    contact_requested = data.get("contact_requested", False)
    email = data.get("contact_email", "")
    if not isinstance(channel, str) or channel not in CHANNELS:
        return None
    if not isinstance(contact_requested, bool) or not isinstance(email, str):
        return None
    email = email.strip()
    if len(email) > EMAIL_MAX_LENGTH or "\x00" in email:
        return None
    location = data.get("location")
    if location is not None:
        try:
            location = uuid.UUID(location) if isinstance(location, str) else None
        except ValueError:
            return None
        if location is None:
            return None
    return {"answers": data["answers"], "channel": channel, "location": location,
            "contact_requested": contact_requested, "contact_email": email}  # fmt: skip


class AnswerSerializer(serializers.ModelSerializer):
    question = serializers.UUIDField(source="question.uuid")
    kind = serializers.CharField(source="question.kind")
    sentiment = serializers.SerializerMethodField()

    class Meta:
        model = Answer
        fields = ["question", "kind", "number", "choices", "text", "sentiment"]

    @extend_schema_field(SentimentSerializer(allow_null=True))
    def get_sentiment(self, answer: Answer) -> dict | None:
        """Null until a worker has scored the text (and always for answers without text);
        then the score, the label and the words and aspects behind them."""
        return SentimentSerializer(answer).data if answer.is_scored else None


class ResponseSerializer(serializers.ModelSerializer):
    survey = serializers.UUIDField(source="survey.uuid")
    location = serializers.UUIDField(source="location.uuid", allow_null=True, default=None)
    # Set by selectors.with_answers_shown: as filed, or as sent until a worker files them.
    answers = AnswerSerializer(
        source="answers_shown",
        many=True,
        help_text="In the survey's order. A moment after the response is sent, a worker "
        "files them and scores the comments: until then `sentiment` is null.",
    )

    class Meta:
        model = Response
        fields = ["uuid", "survey", "channel", "location", "created_at", "answers"]


class SubmittedSerializer(serializers.ModelSerializer):
    survey = serializers.UUIDField(source="survey.uuid")

    class Meta:
        model = Response
        fields = ["uuid", "survey", "created_at"]
