from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from textanalysis.selectors import explanation_aspects

from ..models import Review, ReviewRevision
from .services import REPLY_MAX_LENGTH, reply_text_problem


class ReviewRevisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReviewRevision
        fields = ["rating", "title", "text", "edited_at", "replaced_at"]


class ReviewSerializer(serializers.ModelSerializer):
    source = serializers.UUIDField(source="source.uuid", read_only=True)
    source_name = serializers.CharField(source="source.name", read_only=True)
    provider = serializers.CharField(source="source.provider", read_only=True)
    location = serializers.UUIDField(source="location.uuid", allow_null=True, read_only=True)
    aspects = serializers.SerializerMethodField(help_text="Aspect key -> score from -1 to +1.")
    replied_by = serializers.EmailField(source="replied_by.email", allow_null=True, read_only=True)
    hours_to_reply = serializers.SerializerMethodField(
        help_text="From the writing of the review to the reply; null until replied."
    )

    class Meta:
        model = Review
        fields = [
            "uuid", "source", "source_name", "provider", "location", "external_id",
            "author_name", "rating", "title", "text", "url", "language", "created_at",
            "edited_at", "deleted_at", "sentiment_label", "sentiment_score", "aspects",
            "reply_status", "reply_text", "reply_draft", "replied_at", "replied_by",
            "reply_error", "hours_to_reply",
        ]  # fmt: skip
        read_only_fields = fields

    def get_aspects(self, review: Review) -> dict[str, float]:
        return explanation_aspects(review.sentiment_explanation)

    def get_hours_to_reply(self, review: Review) -> float | None:
        if review.replied_at is None:
            return None
        return round((review.replied_at - review.created_at).total_seconds() / 3600, 1)


class ReviewDetailSerializer(ReviewSerializer):
    revisions = ReviewRevisionSerializer(many=True, read_only=True)

    class Meta(ReviewSerializer.Meta):
        fields = [*ReviewSerializer.Meta.fields, "revisions"]
        read_only_fields = fields


def validate_reply_text(text: str, *, required: bool) -> str:
    problem = reply_text_problem(text, required=required)
    if problem:
        raise serializers.ValidationError(problem)
    return text.strip()


class ReplySerializer(serializers.Serializer):
    text = serializers.CharField(
        allow_blank=True, trim_whitespace=False,
        help_text=f"The reply as it will appear on the site (at most {REPLY_MAX_LENGTH} "
        "characters).",
    )  # fmt: skip

    def validate_text(self, text: str) -> str:
        return validate_reply_text(text, required=True)


class RepliedOnSiteSerializer(serializers.Serializer):
    text = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False,
        help_text="What was pasted on the site; the saved draft if left out.",
    )  # fmt: skip

    def validate_text(self, text: str) -> str:
        return validate_reply_text(text, required=False)


class DraftSerializer(serializers.Serializer):
    text = serializers.CharField(read_only=True)


class EmpathyRequestSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, trim_whitespace=False)
    review = serializers.UUIDField(help_text="The review the reply answers.")

    def validate_review(self, uuid) -> Review:
        review = Review.objects.filter(business=self.context["business"], uuid=uuid).first()
        if review is None:
            raise serializers.ValidationError(_("This business has no such review."))
        return review

    def validate_text(self, text: str) -> str:
        return validate_reply_text(text, required=False)


class CheckSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text="feeling, specific, defensive, promises or next_step (in that order)."
    )
    passed = serializers.BooleanField()
    message = serializers.CharField()


class EmpathyResultSerializer(serializers.Serializer):
    checks = CheckSerializer(many=True)
    missing = CheckSerializer(many=True, help_text="The checks that did not pass.")
