from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import BUSINESS_COPY, BusinessOwned, Location
from customers.models import Customer
from textanalysis.models import ScoredText

from .surveys import Question, Survey


class Channel(models.TextChoices):
    LINK = "link", _("Link")
    EMBED = "embed", _("Embedded widget")
    QR = "qr", _("QR code")
    EMAIL = "email", _("E-mail")
    API = "api", _("API")


class Response(BusinessOwned):
    # No index of their own for `business` and `survey`: response_business_time and
    # response_survey_time begin with them and serve every lookup (and cascade) by them,
    # and each index less is one write less for every answer a customer sends.
    business = models.ForeignKey("accounts.Business", db_index=False, **BUSINESS_COPY)
    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="responses", db_index=False
    )
    # Indexed only where set (response_customer, response_location): most answers are
    # anonymous, and a NULL entry is a write per submission that no lookup ever reads.
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.LINK)
    # The e-mail invitation answered. An invitation is answered once at most, as
    # response_unique_invitation says: its index holds answered invitations only, as
    # most answers come by no invitation and each NULL entry was a write per submission
    # (all on the index's last page, which every submission waited its turn for).
    invitation = models.ForeignKey(
        "feedback.Invitation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # The customer asked to be contacted about this answer (only then is an e-mail kept).
    contact_requested = models.BooleanField(default=False)
    contact_email = models.EmailField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["invitation"],
                condition=models.Q(invitation__isnull=False),
                name="response_unique_invitation",
            )
        ]
        indexes = [
            models.Index(fields=["business", "created_at"], name="response_business_time"),
            # A survey's newest responses first: the journey map's comment samples.
            models.Index(fields=["survey", "created_at"], name="response_survey_time"),
            # A customer's responses after a moment, from the index: the dashboard's
            # "answered better after their case" (metrics.care.recovery). Only where a
            # customer is known, as below.
            models.Index(
                fields=["business", "customer", "created_at"],
                condition=models.Q(customer__isnull=False),
                name="response_known_customer_time",
            ),
            # A customer's or location's responses (and SET NULL when one is deleted): every
            # such lookup compares with a value, which a NULL never matches.
            models.Index(
                fields=["customer"],
                condition=models.Q(customer__isnull=False),
                name="response_customer",
            ),
            models.Index(
                fields=["location"],
                condition=models.Q(location__isnull=False),
                name="response_location",
            ),
        ]

    def __str__(self) -> str:
        return f"Response {self.uuid}"


class Answer(BusinessOwned, ScoredText):
    """One answer of a response: a number, chosen options, or text (by question kind)."""

    TEXT_FIELD = "text"

    # As for Response: answer_business_time, answer_unique_question and
    # answer_question_number begin with these and serve their lookups; no index of their own.
    business = models.ForeignKey("accounts.Business", db_index=False, **BUSINESS_COPY)
    # No constraint in the database, as for BUSINESS_COPY: answers are written only with
    # their response (on PostgreSQL in the same statement) and go with it by Django's
    # cascade. Each check at commit locked the response's new row once more.
    response = models.ForeignKey(
        Response,
        on_delete=models.CASCADE,
        related_name="answers",
        db_index=False,
        db_constraint=False,
    )
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="answers", db_index=False
    )
    number = models.SmallIntegerField(null=True, blank=True)
    choices = models.JSONField(default=list, blank=True)
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
            # Scored comments only (a fifth of the answers): the newest comments of a
            # period are found without walking every number answer.
            models.Index(
                fields=["business", "created_at"],
                condition=models.Q(sentiment_label__in=["positive", "neutral", "negative"]),
                name="answer_comment_time",
            ),
        ]


class PendingAnswers(models.Model):
    """A response's answers as the customer sent them (already checked), until a worker
    files them as Answer rows (feedback.filing).

    A submission writes its response and this one row in one statement and answers at
    once; the answers' rows, with their five indexes, are written off the request path,
    a batch of responses at a time. Rows here live for a moment, so no business column
    and no uuid of their own: they are reached only through their response, and nothing
    outside this app names them.
    """

    # No constraint in the database, as for Answer.response: written in the response's
    # own statement, and deleted with it by Django's cascade.
    response = models.OneToOneField(
        Response,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="pending_answers",
        db_constraint=False,
    )
    # [{"question_id", "number", "choices", "text"}, ...]: one item per answer given.
    answers = models.JSONField()

    class Meta:
        verbose_name_plural = "pending answers"

    def __str__(self) -> str:
        return f"Answers of response {self.response_id}, not yet filed"
