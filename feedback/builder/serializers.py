from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers

from ..models import Question, QuestionKind, SurveyStatus, TrustPillar
from .services import QuestionInput


class SurveyWriteSerializer(serializers.Serializer):
    """Input for creating or changing a survey; `template` only when creating."""

    template = serializers.CharField(required=False, allow_blank=True, write_only=True)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    intro = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    privacy_note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    touchpoint = serializers.UUIDField(
        required=False, allow_null=True,
        help_text="The uuid of the journey touchpoint it measures (null: not on the journey).",
    )  # fmt: skip
    status = serializers.ChoiceField(choices=SurveyStatus.choices, required=False)
    allow_anonymous = serializers.BooleanField(required=False)
    language = serializers.ChoiceField(
        choices=[("", "browser"), *settings.LANGUAGES], required=False, allow_blank=True
    )
    invite_after_purchase_hours = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=24 * 30,
        help_text="E-mail an invitation this many hours after each purchase (null: never).",
    )  # fmt: skip
    reminder_after_hours = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=24 * 30,
        help_text="Remind once this many hours after the invitation (null: never).",
    )  # fmt: skip
    embed_origins = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, max_length=20,
        help_text="Sites allowed to show the embedded survey, e.g. https://www.example.com.",
    )  # fmt: skip


class ConditionInputSerializer(serializers.Serializer):
    question = serializers.UUIDField()
    min = serializers.IntegerField(required=False, allow_null=True)
    max = serializers.IntegerField(required=False, allow_null=True)
    choices = serializers.ListField(child=serializers.CharField(), required=False)


class QuestionWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    prompt = serializers.CharField(max_length=500)
    required = serializers.BooleanField(default=True)
    choices = serializers.ListField(
        child=serializers.CharField(max_length=200, allow_blank=True), required=False, default=list
    )
    pillar = serializers.ChoiceField(
        choices=TrustPillar.choices, required=False, allow_blank=True, default=""
    )
    show_if = ConditionInputSerializer(required=False, allow_null=True, default=None)

    def to_input(self) -> QuestionInput:
        data = self.validated_data
        condition = data["show_if"] or {}
        return QuestionInput(
            kind=data["kind"],
            prompt=data["prompt"],
            required=data["required"],
            choices=data["choices"],
            pillar=data["pillar"],
            show_if_question=self._source(condition.get("question")),
            show_if_min=condition.get("min"),
            show_if_max=condition.get("max"),
            show_if_choices=condition.get("choices", []),
        )

    def _source(self, question_uuid) -> Question | None:
        if question_uuid is None:
            return None
        survey = self.context["survey"]
        source = Question.objects.filter(survey=survey, uuid=question_uuid).first()
        if source is None:
            raise serializers.ValidationError(
                {"show_if": [_("A follow-up depends on an earlier question of this survey.")]}
            )
        return source
