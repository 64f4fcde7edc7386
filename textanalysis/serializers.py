from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import Alert, Aspect, InsightSettings, RescoreJob, ScoredText
from .selectors import explanation_aspects, explanation_reason, explanation_words


class WordSerializer(serializers.Serializer):
    start = serializers.IntegerField(help_text="Offset of the word's first character in the text.")
    end = serializers.IntegerField(help_text="Offset just after the word's last character.")
    valence = serializers.FloatField(help_text="What the word added to the score (VADER).")
    text = serializers.CharField(help_text="The word as written.")


class SentimentSerializer(serializers.Serializer):
    """What the analyser found in a text, and why."""

    score = serializers.FloatField(
        source="sentiment_score", allow_null=True,
        help_text="-1 (most negative) to +1 (most positive); null when not scored.",
    )  # fmt: skip
    label = serializers.CharField(
        source="sentiment_label", help_text="positive, neutral, negative or unscored."
    )
    scored_at = serializers.DateTimeField()
    reason = serializers.SerializerMethodField(
        help_text="Why a text is unscored: empty, language, unknown_words or error; else empty."
    )
    words = serializers.SerializerMethodField(
        help_text="The words that moved the score, in text order."
    )
    aspects = serializers.SerializerMethodField(
        help_text="Aspect key -> sentiment of what the text says about it (see /aspects/)."
    )

    def get_reason(self, item: ScoredText) -> str:
        return explanation_reason(item.sentiment_explanation)

    @extend_schema_field(WordSerializer(many=True))
    def get_words(self, item: ScoredText) -> list[dict]:
        text = getattr(item, item.TEXT_FIELD, "") or ""
        return [
            {"start": w.start, "end": w.end, "valence": w.valence, "text": text[w.start : w.end]}
            for w in explanation_words(text, item.sentiment_explanation)
        ]

    @extend_schema_field(serializers.DictField(child=serializers.FloatField()))
    def get_aspects(self, item: ScoredText) -> dict[str, float]:
        return explanation_aspects(item.sentiment_explanation)


class AlertSerializer(serializers.ModelSerializer):
    acknowledged_by = serializers.EmailField(
        source="acknowledged_by.email", allow_null=True, read_only=True
    )
    url = serializers.SerializerMethodField(help_text="The alert's page in the browser.")

    class Meta:
        model = Alert
        fields = [
            "uuid", "created_at", "reason", "terms", "score", "excerpt", "source",
            "acknowledged_at", "acknowledged_by", "url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_url(self, alert: Alert) -> str:
        path = reverse("textanalysis:alert", args=[alert.uuid])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class AspectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Aspect
        fields = ["uuid", "key", "name", "terms", "position"]


class AspectWriteSerializer(serializers.Serializer):
    """Input for an aspect; the service decides what is valid (same rules as the browser)."""

    key = serializers.CharField(
        required=False, allow_blank=True, max_length=100,
        help_text="Only when adding; made from the name when left out. Cannot be changed.",
    )  # fmt: skip
    name = serializers.CharField(max_length=200, allow_blank=True)
    terms = serializers.ListField(
        child=serializers.CharField(max_length=200, allow_blank=True), max_length=1000,
        help_text='Words and phrases; "refund*" also finds "refunds" and "refunded".',
    )  # fmt: skip


class InsightSettingsSerializer(serializers.ModelSerializer):
    alert_threshold = serializers.FloatField(
        help_text="A text scoring this or lower (-1..0) raises an alert."
    )
    urgent_terms = serializers.ListField(
        child=serializers.CharField(max_length=200, allow_blank=True), max_length=1000,
        help_text="A text naming one of these raises an alert whatever its score.",
    )  # fmt: skip
    webhook_url = serializers.CharField(
        max_length=1000, allow_blank=True,
        help_text="http(s) address the alerts are also posted to (signed, see "
        "webhook_secret); empty for none. Refused when it resolves to a private, "
        "loopback or link-local address.",
    )  # fmt: skip
    webhook_secret = serializers.SerializerMethodField(
        help_text="The webhook signing secret, only in the answer that made it (the first "
        "webhook_url saved); null otherwise. Copy it then: it is never shown again."
    )
    webhook_secret_hint = serializers.CharField(
        read_only=True, help_text="The last characters of the signing secret; empty for none."
    )
    webhook_secret_created_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = InsightSettings
        fields = [
            "alert_threshold", "urgent_terms", "webhook_url", "webhook_secret",
            "webhook_secret_hint", "webhook_secret_created_at",
        ]  # fmt: skip

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_webhook_secret(self, row: InsightSettings) -> str | None:
        return getattr(row, "new_webhook_secret", "") or None


class WebhookSecretSerializer(serializers.Serializer):
    """A new signing secret: shown in this answer only."""

    webhook_secret = serializers.CharField(
        help_text="HMAC-SHA256 key of the X-CX-Signature header; the old one stops at once."
    )
    webhook_secret_hint = serializers.CharField()
    webhook_secret_created_at = serializers.DateTimeField()


class RescoreJobSerializer(serializers.ModelSerializer):
    requested_by = serializers.EmailField(
        source="requested_by.email", allow_null=True, read_only=True
    )
    progress_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = RescoreJob
        fields = [
            "uuid", "created_at", "status", "total", "done", "progress_percent", "finished_at",
            "requested_by",
        ]  # fmt: skip
        read_only_fields = fields
