from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from accounts.models import BusinessOwned, Location


class Customer(BusinessOwned):
    """A person who buys from the business. Customers never sign in."""

    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    consent_to_contact = models.BooleanField(default=False)
    consent_recorded_at = models.DateTimeField(null=True, blank=True)
    # Where the consent answer came from: "survey", "staff", "import", "pos", "api".
    consent_source = models.CharField(max_length=20, blank=True)
    # Set when the customer unsubscribed: no e-mail is ever sent to them again.
    email_opt_out_at = models.DateTimeField(null=True, blank=True)
    tags = models.JSONField(default=list, blank=True)
    # When their personal data and words were removed (on request, or by the business's
    # retention setting). The row stays, so figures over purchases and answers stay right.
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["business", "email"], name="customer_business_email"),
            # The import finds a file's customers by e-mail in any case, a chunk at a time
            # (selectors.customers_by_email).
            models.Index(F("business"), Lower("email"), name="customer_business_email_lower"),
        ]

    def __str__(self) -> str:
        return self.name or self.email or str(self.uuid)


class Erasure(BusinessOwned):
    """A customer's data erased on their request: who did it, when and how much went.
    Holds no personal data: `counts` maps a kind of data to the rows it was removed from."""

    # Kept when the customer row is deleted later: the record of the request outlives it.
    customer = models.ForeignKey(
        Customer, null=True, on_delete=models.SET_NULL, related_name="erasures"
    )
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Erasure of customer {self.customer_id} on {self.created_at:%Y-%m-%d}"


class ConsentChange(models.TextChoices):
    AGREED = "agreed", _("Agreed to be contacted")
    WITHDRAWN = "withdrawn", _("Withdrew consent to be contacted")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed from e-mails")
    # "Yes, contact me about this" on a survey answered from their own invitation: consent
    # for the follow-up of that answer only, not for surveys or review requests.
    ASKED_ABOUT_ANSWER = "asked_about_answer", _("Asked to be contacted about an answer")


class ConsentSource(models.TextChoices):
    STAFF = "staff", _("Staff, in the customer form")
    API = "api", _("API")
    IMPORT = "import", _("CSV import")
    POS = "pos", _("Till or shop system")
    SURVEY = "survey", _("The customer, in a survey")
    UNSUBSCRIBE = "unsubscribe", _("The customer, with an unsubscribe link")


class ConsentEvent(BusinessOwned):
    """One change of a customer's consent to be contacted: the evidence behind
    Customer.consent_to_contact and email_opt_out_at, kept as history (never edited)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consent_events")
    change = models.CharField(max_length=24, choices=ConsentChange.choices)
    source = models.CharField(max_length=20, choices=ConsentSource.choices)
    # Who recorded it: the staff member or API user; empty when the customer did it.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    # Where exactly, in plain words: the import's file, the survey, the e-mail unsubscribed from.
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["business", "customer", "created_at"], name="consent_history")
        ]

    def __str__(self) -> str:
        when = f"{self.created_at:%Y-%m-%d}"
        return f"{self.get_change_display()} ({self.get_source_display()}, {when})"


class Purchase(BusinessOwned):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="purchases")
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL)
    purchased_at = models.DateTimeField()
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    order_reference = models.CharField(max_length=100, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["business", "purchased_at"], name="purchase_business_time"),
            # Business first: every read of a customer's purchases is scoped to the
            # business too (tenancy), and stays an index-only scan.
            models.Index(
                fields=["business", "customer", "purchased_at"], name="purchase_customer_time"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "order_reference"],
                condition=~models.Q(order_reference=""),
                name="purchase_unique_order_reference",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="purchase_amount_not_negative"
            ),
        ]
        verbose_name = _("purchase")

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} on {self.purchased_at:%Y-%m-%d}"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Waiting for column mapping")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class CustomerImport(BusinessOwned):
    """A CSV of customers and purchases from a point-of-sale export, imported by a worker."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    # The upload itself, kept in the database so any worker machine can read it.
    content = models.BinaryField()
    encoding = models.CharField(max_length=32, default="utf-8")
    headers = models.JSONField(default=list, blank=True)
    # Our field name -> the CSV column chosen for it in the browser.
    mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    taken = models.PositiveIntegerField(default=0)
    merged = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    # Refused rows with their reasons: [{"row": 12, "reason": "..."}], first 1,000 kept.
    refusals = models.JSONField(default=list, blank=True)
    failure = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))
