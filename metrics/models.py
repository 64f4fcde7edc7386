"""Roll-ups and estimates over purchases, so no page or API call reads raw purchases; and
the dashboard's own roll-ups of the survey KPIs (KpiDay, see metrics.kpi_rollup), of
follow-up case outcomes (CaseOutcome, CustomerRecovery, RecoveryDay, see
metrics.case_outcomes) and of the times cases took to resolve (ResolvedCaseDay, see
metrics.resolve_times).

Every table here is rebuilt from the purchases by a task (see metrics/purchases.py and
metrics/tasks.py); the dashboard and the API read only these rows, whose number depends on
days, months and locations, not on how many purchases a business has.

Scopes: a row whose `location` is null is the whole business (every purchase, with or
without a location, each customer counted once); a row with a location counts only the
purchases made there. Distinct customers cannot be added up across locations, which is
why "all locations" is a row of its own and not a sum.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Business, BusinessOwned, Location
from customers.models import Customer
from journeys.models import DaySums


class PurchaseRollupState(models.Model):
    """One per business: its main currency and when its purchase roll-up was built.

    The main currency is the one most purchases were made in (ties: alphabetical); money
    figures count only purchases in it, and `currencies` keeps every currency's count so
    the page can say how many were left out. The row is also the lock that keeps two
    rebuilds, or a rebuild and a CLV fit, of one business from writing at once.
    """

    business = models.OneToOneField(Business, on_delete=models.CASCADE, related_name="+")
    main_currency = models.CharField(max_length=3, blank=True)
    # {"EUR": 1200, "USD": 3}: purchases by currency, all time.
    currencies = models.JSONField(default=dict, blank=True)
    purchases = models.PositiveIntegerField(default=0)
    built_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Purchase roll-up of {self.business_id} built {self.built_at}"


class PurchaseDay(models.Model):
    """One local day of one scope (business or location): purchases and customer movements.

    A customer "is a customer" on a day when they bought (in this scope) within the churn
    window before it: on the day of a purchase and the CHURN_DAYS - 1 days after (see
    metrics.purchases). Their activity therefore comes in spells: a spell starts with a
    purchase after more than CHURN_DAYS without one and lapses CHURN_DAYS after its last
    purchase. Per day:

    - `purchases` (every currency), `revenue` (main currency only) and
      `other_currency_purchases` (left out of money figures);
    - `visits`: customers who bought that day (several purchases on one day are one visit);
    - `new_customers`: first purchase ever in this scope; `repeat_customers`: second
      purchase day ever, so the customer became a repeat buyer that day;
    - `started` (spells starting: new and returning customers) and `lapsed` (spells whose
      window ran out that day: the first day they no longer count);
    - running totals at the end of the day: `active` (= started - lapsed so far),
      `customers_to_date` and `repeat_customers_to_date`.

    Rows exist only for days with an event, including lapse days up to CHURN_DAYS after
    the last purchase; a day without a row has the totals of the latest row before it.
    Counts at any date, and so the retention rate of any period, are exact to the day.
    """

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, null=True, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    purchases = models.PositiveIntegerField(default=0)
    revenue = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    other_currency_purchases = models.PositiveIntegerField(default=0)
    visits = models.PositiveIntegerField(default=0)
    new_customers = models.PositiveIntegerField(default=0)
    repeat_customers = models.PositiveIntegerField(default=0)
    started = models.PositiveIntegerField(default=0)
    lapsed = models.PositiveIntegerField(default=0)
    active = models.PositiveIntegerField(default=0)
    customers_to_date = models.PositiveIntegerField(default=0)
    repeat_customers_to_date = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["business", "location", "day"], name="purchaseday_scope_day")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.location_id or 'all'}: {self.purchases} purchases"


class PurchaseMonth(models.Model):
    """Customers of one cohort who bought in one calendar month (local time), per scope.

    The cohort is the month of the customer's first purchase in the scope (anywhere for
    the whole business, at the location for a location), so `customers` where
    month == cohort is the cohort's size. Month-granular by design: it feeds the cohort
    table ("bought again in month N after the first").
    """

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, null=True, on_delete=models.CASCADE, related_name="+")
    cohort = models.DateField()  # first day of the month
    month = models.DateField()  # first day of the month
    customers = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["business", "location", "cohort"], name="purchasemonth_cohort")
        ]

    def __str__(self) -> str:
        return f"Cohort {self.cohort:%Y-%m}, {self.month:%Y-%m}: {self.customers}"


class KpiDay(DaySums):
    """The survey KPIs' sums of one local day and channel for the whole business: the
    journey roll-up (journeys.models.TouchpointDay, one row per survey, touchpoint,
    location, segment and channel) added up over everything but the channel.

    The dashboard and the KPI API without a location, touchpoint, survey or segment
    filter read these rows: a handful a day whatever the business's size, where the
    journey roll-up holds one per combination met that day (hundreds for a busy
    business). The channel stays, as it tells survey responses from staff interactions.
    Same fields and meaning as TouchpointDay's sums (see journeys.rollups.Sums).
    """

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    channel = models.CharField(max_length=16, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "day", "channel"], name="one_kpi_day")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.channel}: {self.voices}"


class CaseOutcomeState(models.Model):
    """One per business: the moment its CaseOutcome rows were built up to (`cutoff`, the
    start of the first local day still open). Cases opened from then on, and purchases
    and answers from then on, are read from raw rows."""

    business = models.OneToOneField(Business, on_delete=models.CASCADE, related_name="+")
    cutoff = models.DateTimeField()
    built_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Case outcomes of {self.business_id} up to {self.cutoff}"


class CaseOutcome(models.Model):
    """Whether the customer of a follow-up case came back before the state's cutoff: the
    first purchase after the case was opened (`bought_at`) and the first answer of NPS
    7-10 or CSAT 4-5 after it (`better_at`), both null when none came before the cutoff.

    It spares the recovery rate two look-ups per customer in purchases and answers for
    every case of the period (see metrics.case_outcomes); what happened after the cutoff
    is still read from raw rows. One row per case opened before the cutoff.
    """

    case = models.OneToOneField(
        "feedback.FollowUpCase", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, null=True, on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField()
    bought_at = models.DateTimeField(null=True)
    better_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            # Covering on PostgreSQL: a period's outcomes are read from the index alone,
            # those with a customer to group, those without to count (metrics.case_outcomes).
            models.Index(
                fields=["business", "opened_at"],
                include=["customer", "bought_at", "better_at"],
                condition=models.Q(customer__isnull=False),
                name="caseoutcome_known",
            ),
            models.Index(
                fields=["business", "opened_at"],
                condition=models.Q(customer__isnull=True),
                name="caseoutcome_anonymous",
            ),
        ]

    def __str__(self) -> str:
        return f"Case {self.case_id}: bought {self.bought_at}, better {self.better_at}"


class CustomerRecovery(models.Model):
    """One per customer with a case opened before the case outcomes' cutoff: their latest
    such case and whether they came back after it before the cutoff, by a purchase
    (`bought`) or a better answer (`better`). Built with CaseOutcome, from it; read for
    the few customers something happened to since the cutoff (metrics.case_outcomes)."""

    customer = models.OneToOneField(
        Customer, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    last_opened = models.DateTimeField()
    bought = models.BooleanField()
    better = models.BooleanField()

    def __str__(self) -> str:
        return f"Customer {self.customer_id}: last case {self.last_opened}"


class RecoveryDay(models.Model):
    """CustomerRecovery added up by the local day of each customer's latest case:
    `customers`, of them `bought`, `better` and `recovered` (either); and of the cases
    opened that day, all of them (`opened`) and those without a customer (`anonymous`).
    A period ending today sums these rows (a few hundred for a year) and corrects them
    for what happened since the cutoff; the cases opened are counted so for any period."""

    # Its unique constraint begins with business: no index of its own.
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    customers = models.IntegerField(default=0)
    bought = models.IntegerField(default=0)
    better = models.IntegerField(default=0)
    recovered = models.IntegerField(default=0)
    opened = models.IntegerField(default=0)
    anonymous = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["business", "day"], name="one_recovery_day")]

    def __str__(self) -> str:
        return f"{self.day}: {self.recovered} of {self.customers} came back"


class ResolvedCaseDay(models.Model):
    """The follow-up cases resolved on one local day whose time to resolve fell in one
    bucket (metrics.resolve_times: log-spaced, each 1% wide): how many (`resolved`), how
    many by their due time (`on_time`), and the running totals of both over this bucket's
    days so far (`resolved_through`, `on_time_through`). Any period's counts per bucket
    are then two running totals apart: two rows per bucket, whatever the period's length
    or the business's size. Rewritten with every journey build (settings.
    JOURNEYS_AFTER_BUILD) for the days it rebuilt."""

    # Its unique constraint begins with business: no index of its own.
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    bucket = models.IntegerField()
    resolved = models.IntegerField()
    on_time = models.IntegerField()
    resolved_through = models.IntegerField()
    on_time_through = models.IntegerField()

    class Meta:
        constraints = [
            # Also the index of the reader's look-ups: a bucket's latest day up to a day.
            models.UniqueConstraint(
                fields=["business", "bucket", "day"], name="one_resolved_case_day"
            )
        ]
        indexes = [models.Index(fields=["business", "day"], name="resolvedcaseday_day")]

    def __str__(self) -> str:
        return f"{self.day} bucket {self.bucket}: {self.resolved}"


class ClvStatus(models.TextChoices):
    OK = "ok", _("Estimated")
    TOO_FEW = "too_few", _("Too few repeat customers")
    FAILED = "failed", _("Could not be estimated")


class ClvFit(models.Model):
    """One run of the predictive CLV estimate for a business, as of a day.

    BG/NBD (purchases and drop-out) and Gamma-Gamma (spend) are fitted to every
    customer's frequency, recency, age and mean repeat spend in weeks (main currency, one
    purchase per day). `status` says whether it worked; `message` says why not in plain
    words. Totals, the at-risk count and the revenue at risk are computed with the fit and
    kept here, so the dashboard reads one row.

    At risk: customers still active (bought within the churn window) whose P(alive) is
    below 0.5 (`at_risk_rule` "p_alive"); when there is no usable fit, those whose last
    purchase is more than twice their own average gap between purchase days ago ("gap").
    `revenue_at_risk`: {"detractors"|"passives"|"promoters"|"no_score"|"at_risk":
    {"customers": n, "value": "12.34"}}, predicted 12-month value by latest NPS answer.
    """

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    as_of = models.DateField()
    status = models.CharField(max_length=10, choices=ClvStatus.choices)
    message = models.CharField(max_length=500, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    bgnbd = models.JSONField(null=True, blank=True)  # r, alpha (weeks), a, b, log_likelihood
    gamma_gamma = models.JSONField(null=True, blank=True)  # p, q, v, log_likelihood
    customers_n = models.PositiveIntegerField(default=0)
    repeat_customers_n = models.PositiveIntegerField(default=0)
    expected_purchases_12m = models.FloatField(null=True, blank=True)
    expected_value_12m = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    at_risk_rule = models.CharField(max_length=10, blank=True)
    at_risk_customers = models.PositiveIntegerField(default=0)
    revenue_at_risk = models.JSONField(null=True, blank=True)
    fitted_at = models.DateTimeField()
    seconds = models.FloatField(default=0)

    class Meta:
        indexes = [models.Index(fields=["business", "-fitted_at"], name="clvfit_latest")]

    def __str__(self) -> str:
        return f"CLV fit of {self.business_id} as of {self.as_of}: {self.status}"


class CustomerValue(models.Model):
    """A customer's predicted next 12 months from the business's latest usable fit.

    The whole set is replaced in one transaction by each fit (and removed when a fit is
    not usable), so it always belongs to the latest fit. Value is revenue in `currency`,
    discounted at 10% a year.
    """

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    fit = models.ForeignKey(ClvFit, on_delete=models.CASCADE, related_name="values")
    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="+")
    p_alive = models.FloatField()
    expected_purchases_12m = models.FloatField()
    expected_value_12m = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    at_risk = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["business", "-expected_value_12m"], name="customervalue_top")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.expected_value_12m} {self.currency}"


class ClvFitJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ClvFitStage(models.TextChoices):
    """The steps of a fit, in order; the job records the one it is working on."""

    READING = "reading", _("Reading purchases")
    BGNBD = "bgnbd", _("Fitting BG/NBD (how often customers buy)")
    GAMMA_GAMMA = "gamma_gamma", _("Fitting Gamma-Gamma (how much they spend)")
    STORING = "storing", _("Storing customer values")


CLV_FIT_STAGES: list[str] = list(ClvFitStage.values)
CLV_FIT_ACTIVE = (ClvFitJobStatus.QUEUED, ClvFitJobStatus.RUNNING)


class ClvFitJob(BusinessOwned):
    """A CLV fit someone asked for in the browser or the API, so its progress can be
    followed (and left and come back to). One queued or running job per business.

    Progress is honest, by step: a running job has finished the steps before `stage`.
    The nightly fits run without a job; `fit` is the ClvFit the job stored (null when it
    failed, or once that fit was pruned)."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    status = models.CharField(
        max_length=16, choices=ClvFitJobStatus.choices, default=ClvFitJobStatus.QUEUED
    )
    stage = models.CharField(max_length=16, choices=ClvFitStage.choices, blank=True)
    fit = models.ForeignKey(ClvFit, null=True, blank=True, on_delete=models.SET_NULL)
    failure = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["business"],
                condition=models.Q(status__in=CLV_FIT_ACTIVE),
                name="clvfitjob_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"CLV fit job of {self.business_id}: {self.status}"

    @property
    def steps(self) -> int:
        return len(CLV_FIT_STAGES)

    @property
    def steps_done(self) -> int:
        if self.status == ClvFitJobStatus.DONE:
            return self.steps
        if self.status == ClvFitJobStatus.RUNNING and self.stage:
            return CLV_FIT_STAGES.index(self.stage)
        return 0

    @property
    def progress_percent(self) -> int:
        return round(100 * self.steps_done / self.steps)

    @property
    def stage_label(self) -> str:
        """The step under way, or the one it failed in; nothing once done."""
        if self.status == ClvFitJobStatus.DONE or not self.stage:
            return ""
        return str(self.get_stage_display())
