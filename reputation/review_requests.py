"""Review requests: e-mails inviting customers to review the business on a site.

Honest requests only. Every customer in the chosen group is asked alike; there is no
filter by satisfaction, rating or sentiment ("review gating"), which Google's and
Yelp's rules forbid. The consent rule is every e-mail's one (customers.consent), asked
when the requests are made and again when each is sent; nobody is asked twice within
90 days.

Each request is claimed with a conditional UPDATE before its e-mail is sent, so a
retried task or two workers never send it twice; a sweeper sends what the broker lost.
A send that fails for a passing reason (mail server down) puts the request back in the
queue with `tried_at` set to when it was tried, and the sweeper waits before trying
again; any other failure marks it failed with the reason, never "sent" without a mail.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import Business
from customers.consent import REFUSALS, contact_refusal, refusal_whens
from customers.models import Customer, Purchase
from cxplatform.celery import enqueue_on_commit
from cxplatform.errors import ApplicationError

from .models import RequestStatus, ReviewRequest, ReviewSource

logger = logging.getLogger(__name__)

ASKED_WITHIN = timedelta(days=90)
# Requests still queued after this are given up (mail server down for days): a
# request that arrives a week after the visit does more harm than good.
GIVE_UP_AFTER = timedelta(days=3)
# The sweeper leaves fresh requests to the task enqueued when they were made.
SWEEP_AFTER = timedelta(minutes=2)
# After a failed try the sweeper waits as long as the request had been waiting when it
# was tried (so the waits double), at least SWEEP_AFTER and at most RETRY_WAIT_MAX.
RETRY_WAIT_MAX = timedelta(hours=1)
MAX_DAYS = 365
SWEEP_LIMIT = 5_000


class Audience:
    BOUGHT = "bought"
    ANSWERED = "answered"
    EVERYONE = "everyone"
    CHOICES = [
        (BOUGHT, _lazy("Customers who bought in the last N days")),
        (ANSWERED, _lazy("Customers who answered a survey in the last N days")),
        (EVERYONE, _lazy("Every customer who agreed to be contacted")),
    ]
    VALUES = (BOUGHT, ANSWERED, EVERYONE)


# Why a customer is not asked, in the order the reasons are checked: the consent rule's
# reasons first (customers.consent), then this feature's own.
SKIP_REASONS = {
    **REFUSALS,
    "asked_recently": _lazy("Already asked in the last 90 days."),
}


@dataclass
class Plan:
    """Who a request would reach: `asked` customers, and the others by reason."""

    asked: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def skipped_list(self) -> list[tuple[str, str, int]]:
        return [(key, str(SKIP_REASONS[key]), n) for key, n in self.skipped.items() if n]


def new_token() -> str:
    return secrets.token_urlsafe(32)


def check_request(*, source: ReviewSource, audience: str, days: int | None) -> None:
    errors: dict[str, list[str]] = {}
    if source.archived_at is not None or not source.review_page_url:
        errors["source"] = [_("Site: choose a source with a page where customers write a review.")]
    if audience not in Audience.VALUES:
        errors["audience"] = [_("Customers: choose one of the groups.")]
    elif audience != Audience.EVERYONE and not (days and 1 <= days <= MAX_DAYS):
        errors["days"] = [_("Days: a number from 1 to %(max)d.") % {"max": MAX_DAYS}]
    if errors:
        raise ApplicationError(_("Some fields are not valid."), errors=errors)


def audience_customers(
    *, business: Business, audience: str, days: int | None, now
) -> QuerySet[Customer]:
    """The group, before consent: recent buyers, recent survey answerers, or everyone."""
    customers = Customer.objects.filter(business=business)
    if audience == Audience.EVERYONE:
        return customers
    since = now - timedelta(days=days or 0)
    if audience == Audience.BOUGHT:
        buyers = Purchase.objects.filter(business=business, purchased_at__gte=since)
        return customers.filter(pk__in=buyers.values("customer_id"))
    # Survey responses point at customers; the reverse lookup keeps reputation free
    # of an import from feedback (the apps sit side by side).
    return customers.filter(response__business=business, response__created_at__gte=since).distinct()


def with_reason(customers: QuerySet[Customer], *, business: Business, now) -> QuerySet:
    """Each customer with why they are not asked ("" when they are), in SQL."""
    asked = ReviewRequest.objects.filter(
        business=business, customer=OuterRef("pk"), created_at__gte=now - ASKED_WITHIN
    ).exclude(status__in=[RequestStatus.FAILED, RequestStatus.SKIPPED])
    reason = Case(
        *refusal_whens(),
        When(Exists(asked), then=Value("asked_recently")),
        default=Value(""),
        output_field=CharField(),
    )
    return customers.annotate(skip=reason)


def group_with_reasons(*, business: Business, audience: str, days: int | None, now) -> QuerySet:
    group = audience_customers(business=business, audience=audience, days=days, now=now)
    return with_reason(
        Customer.objects.filter(pk__in=group.values("pk")), business=business, now=now
    )


def request_plan(
    *, business: Business, source: ReviewSource, audience: str, days: int | None, now=None
) -> Plan:
    """How many would be asked and how many skipped, why: one grouped query."""
    check_request(source=source, audience=audience, days=days)
    now = now or timezone.now()
    counts = (
        group_with_reasons(business=business, audience=audience, days=days, now=now)
        .values("skip")
        .annotate(n=Count("pk"))
        .order_by()
    )
    plan = Plan(skipped=dict.fromkeys(SKIP_REASONS, 0))
    for row in counts:
        if row["skip"]:
            plan.skipped[row["skip"]] = row["n"]
        else:
            plan.asked = row["n"]
    return plan


def review_requests_create(
    *, business: Business, source: ReviewSource, audience: str, days: int | None, now=None
) -> Plan:
    """Create the requests in one transaction and send each once it commits."""
    check_request(source=source, audience=audience, days=days)
    now = now or timezone.now()
    with transaction.atomic():
        # One request run at a time per business, so two clicks cannot ask anyone twice.
        Business.objects.select_for_update().filter(pk=business.pk).first()
        plan = request_plan(business=business, source=source, audience=audience, days=days, now=now)
        eligible = group_with_reasons(business=business, audience=audience, days=days, now=now)
        rows = [
            ReviewRequest(
                business=business, customer_id=pk, source=source, token=new_token(), created_at=now
            )
            for pk in eligible.filter(skip="").values_list("pk", flat=True)
        ]
        made = ReviewRequest.objects.bulk_create(rows, batch_size=1_000)
        for request in made:
            enqueue_on_commit(send_review_request, request.pk)
    plan.asked = len(made)
    return plan


def requests_for_business(*, business: Business) -> QuerySet[ReviewRequest]:
    # One run gives its requests the same created_at: the key keeps pages apart.
    return (
        ReviewRequest.objects.filter(business=business)
        .select_related("customer", "source")
        .order_by("-created_at", "-pk")
    )


def request_figures(*, business: Business) -> dict:
    """Sent, clicked and waiting, in one query."""
    return ReviewRequest.objects.filter(business=business).aggregate(
        queued=Count("pk", filter=Q(status=RequestStatus.QUEUED)),
        sent=Count("pk", filter=Q(status=RequestStatus.SENT)),
        skipped=Count("pk", filter=Q(status=RequestStatus.SKIPPED)),
        failed=Count("pk", filter=Q(status=RequestStatus.FAILED)),
        clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
    )


# --- sending -----------------------------------------------------------------------


# Failures that may pass on the next try (mail server or network down, database
# hiccup): the request goes back in the queue. Anything else fails it for good.
PASSING = (SMTPException, OSError, OperationalError, InterfaceError)


def review_request_send(*, request_id: int) -> bool:
    """Send one queued request; True when this call sent it."""
    claimed = ReviewRequest.objects.filter(pk=request_id, status=RequestStatus.QUEUED).update(
        status=RequestStatus.SENT, sent_at=timezone.now(), tried_at=None, error=""
    )
    if not claimed:
        return False
    try:
        return send_claimed(request_id)
    except ReviewRequest.DoesNotExist:  # deleted with its customer meanwhile
        return False
    except PASSING:
        # Back in the queue, so the retry (or the sweeper, after a wait) can claim it.
        mark(request_id, RequestStatus.QUEUED, _("Sending failed; will retry."), timezone.now())
        raise
    except Exception as error:  # a bad header, a broken template: retrying cannot help
        logger.exception("Review request %s could not be sent", request_id)
        mark(request_id, RequestStatus.FAILED, failure_note(error))
        return False


def send_claimed(request_id: int) -> bool:
    request = ReviewRequest.objects.select_related("customer", "source", "business").get(
        pk=request_id
    )
    refusal = contact_refusal(request.customer)
    if refusal:  # consent withdrawn since the request was made: skipped, with why
        mark(request_id, RequestStatus.SKIPPED, refusal)
        return False
    problem = source_gone(request.source)
    if problem:
        mark(request_id, RequestStatus.FAILED, problem)
        return False
    deliver(request)
    return True


def failure_note(error: Exception) -> str:
    note = _("Not sent: %(reason)s") % {"reason": str(error) or type(error).__name__}
    max_length = ReviewRequest._meta.get_field("error").max_length
    return note if len(note) <= max_length else note[: max_length - 1] + "…"


def source_gone(source: ReviewSource) -> str:
    if source.archived_at is not None or not source.review_page_url:
        return _("The site was removed or has no review page any more.")
    return ""


def mark(request_id: int, status: str, error: str, tried_at: datetime | None = None) -> None:
    """`tried_at` only for a request back in the queue: the sweeper's wait counts from it."""
    ReviewRequest.objects.filter(pk=request_id).update(
        status=status, error=error, sent_at=None, tried_at=tried_at
    )


def deliver(request: ReviewRequest) -> None:
    business = request.business
    site = settings.SITE_URL.rstrip("/")
    context = {
        "business": business, "customer": request.customer, "source": request.source,
        "review_url": site + reverse("reputation:request_click", args=[request.token]),
        "unsubscribe_url": site + reverse("reputation:request_unsubscribe", args=[request.token]),
    }  # fmt: skip
    with translation.override(business.language):
        subject = render_to_string("emails/review_request_subject.txt", context).strip()
        text = render_to_string("emails/review_request.txt", context)
        html = render_to_string("emails/review_request.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()), body=text, to=[request.customer.email],
        headers={"List-Unsubscribe": f"<{context['unsubscribe_url']}>"},
    )  # fmt: skip
    message.attach_alternative(html, "text/html")
    message.send()


def due_request_ids(*, now=None, limit: int = SWEEP_LIMIT) -> list[int]:
    """Queued requests the broker may have lost, and failed tries whose wait is over;
    those queued too long are given up."""
    now = now or timezone.now()
    queued = ReviewRequest.objects.filter(status=RequestStatus.QUEUED)
    queued.filter(created_at__lt=now - GIVE_UP_AFTER).update(
        status=RequestStatus.FAILED, error=_("Not sent within 3 days; given up."), sent_at=None
    )
    never_tried = Q(tried_at=None, created_at__lte=now - SWEEP_AFTER)
    due = queued.annotate(retry_at=retry_at()).filter(never_tried | waited_enough(now))
    return list(due.order_by("created_at", "pk").values_list("pk", flat=True)[:limit])


def retry_at() -> ExpressionWrapper:
    """The failed try plus the wait it had before it."""
    return ExpressionWrapper(
        F("tried_at") + (F("tried_at") - F("created_at")), output_field=DateTimeField()
    )


def waited_enough(now) -> Q:
    tried_before = Q(tried_at__lte=now - SWEEP_AFTER)
    return Q(tried_at__lte=now - RETRY_WAIT_MAX) | (tried_before & Q(retry_at__lte=now))


# --- visiting ----------------------------------------------------------------------


def unscoped_request_for_token(token: str) -> ReviewRequest | None:
    """The request a customer's e-mail link names, whatever its business: the link is
    the customer's only credential (43 random characters)."""
    if not 20 <= len(token) <= 64:
        return None
    return ReviewRequest.objects.select_related("source", "business").filter(token=token).first()


def review_request_click(*, request: ReviewRequest, now=None) -> None:
    """Record the first click (later ones change nothing)."""
    ReviewRequest.objects.filter(pk=request.pk, clicked_at=None).update(
        clicked_at=now or timezone.now()
    )


# --- tasks -------------------------------------------------------------------------

# Mail servers and databases that hiccup may work on the next try; bugs must not loop.
TRANSIENT = (SMTPException, ConnectionError, TimeoutError, OperationalError, InterfaceError)
RETRY = {"autoretry_for": TRANSIENT, "retry_backoff": 30, "retry_backoff_max": 1800,
         "max_retries": 6, "acks_late": True, "reject_on_worker_lost": True}  # fmt: skip


@shared_task(**RETRY)
def send_review_request(request_id: int) -> bool:
    """Send one request; claimed first, so a retry never sends it twice."""
    return review_request_send(request_id=request_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_due_review_requests() -> int:
    """Beat: send again whatever requests are still queued (broker down, worker lost)."""
    due = due_request_ids()
    for request_id in due:
        send_review_request.delay(request_id)
    return len(due)
