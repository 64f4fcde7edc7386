from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .answers import NPS_RANGE
from .models import Answer, Channel, Question, QuestionKind, Response, Survey


class QuestionSerializer(serializers.ModelSerializer):
    scale = serializers.SerializerMethodField()

    class Meta:
        model = Question
        fields = ["uuid", "position", "kind", "prompt", "required", "scale"]

    def get_scale(self, question: Question) -> dict | None:
        if question.kind == QuestionKind.NPS:
            return {"min": NPS_RANGE[0], "max": NPS_RANGE[1]}
        return None


class PublicSurveySerializer(serializers.ModelSerializer):
    business = serializers.CharField(source="business.name")
    questions = QuestionSerializer(many=True)

    class Meta:
        model = Survey
        fields = ["uuid", "name", "business", "intro", "privacy_note", "questions"]


class SurveySerializer(serializers.ModelSerializer):
    questions = QuestionSerializer(many=True)
    public_url = serializers.SerializerMethodField()

    class Meta:
        model = Survey
        fields = ["uuid", "name", "status", "is_default", "touchpoint", "public_url", "questions"]

    def get_public_url(self, survey: Survey) -> str:
        path = reverse("feedback:survey", args=[survey.uuid])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ResponseSubmitSerializer(serializers.Serializer):
    answers = serializers.DictField(
        help_text="Maps each question's uuid to the answer: a whole number for nps, text for text."
    )
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.API)
    location = serializers.UUIDField(required=False, allow_null=True)


class SentimentSerializer(serializers.Serializer):
    score = serializers.FloatField(source="sentiment_score")
    label = serializers.CharField(source="sentiment_label")
    scored_at = serializers.DateTimeField()


class AnswerSerializer(serializers.ModelSerializer):
    question = serializers.UUIDField(source="question.uuid")
    kind = serializers.CharField(source="question.kind")
    sentiment = serializers.SerializerMethodField()

    class Meta:
        model = Answer
        fields = ["question", "kind", "number", "text", "sentiment"]

    @extend_schema_field(SentimentSerializer(allow_null=True))
    def get_sentiment(self, answer: Answer) -> dict | None:
        """Null until a worker has scored the text (and always for answers without text)."""
        return SentimentSerializer(answer).data if answer.is_scored else None


class ResponseSerializer(serializers.ModelSerializer):
    survey = serializers.UUIDField(source="survey.uuid")
    location = serializers.UUIDField(source="location.uuid", allow_null=True, default=None)
    answers = AnswerSerializer(many=True)

    class Meta:
        model = Response
        fields = ["uuid", "survey", "channel", "location", "created_at", "answers"]


class SubmittedSerializer(serializers.ModelSerializer):
    survey = serializers.UUIDField(source="survey.uuid")

    class Meta:
        model = Response
        fields = ["uuid", "survey", "created_at"]
