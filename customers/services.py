"""Writes for customers and purchases."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts.models import Business, Location, User
from accounts.services import audit_record
from cxplatform.errors import ApplicationError

from .consent import change_for, consent_record
from .models import ConsentChange, ConsentSource, Customer, Purchase

CUSTOMER_FIELDS = {"name", "email", "phone", "consent_to_contact", "tags"}


def customer_create(
    *, business: Business, consent_source: str = "staff", actor: User | None = None, **fields
) -> Customer:
    fields = clean_customer_fields(fields)
    if not (fields.get("name") or fields.get("email") or fields.get("phone")):
        raise ApplicationError(
            _("Give at least a name, an e-mail or a phone number."),
            errors={"name": [_("Give at least a name, an e-mail or a phone number.")]},
        )
    if fields.get("email") and email_taken(business=business, email=fields["email"]):
        raise ApplicationError(
            _("A customer with this e-mail exists."),
            errors={"email": [_("A customer with this e-mail already exists.")]},
        )
    customer = Customer(business=business, **fields)
    with transaction.atomic():
        if customer.consent_to_contact:
            customer.consent_recorded_at = timezone.now()
            customer.consent_source = consent_source
        customer.save()
        if customer.consent_to_contact:
            consent_record(
                customer=customer, change=ConsentChange.AGREED, source=consent_source,
                actor=actor, at=customer.consent_recorded_at,
            )  # fmt: skip
        audit_record(
            business=business, actor=actor, action="customer.create", target=str(customer.uuid)
        )
    return customer


def customer_update(
    *, customer: Customer, consent_source: str = "staff", actor: User | None = None, **fields
) -> Customer:
    fields = clean_customer_fields(fields)
    email = fields.get("email")
    if email and email_taken(business=customer.business, email=email, besides=customer):
        raise ApplicationError(
            _("A customer with this e-mail exists."),
            errors={"email": [_("A customer with this e-mail already exists.")]},
        )
    consent = fields.get("consent_to_contact")
    changed = consent is not None and consent != customer.consent_to_contact
    if changed:
        # Consent is evidence: when and where it changed is kept with it.
        customer.consent_recorded_at = timezone.now()
        customer.consent_source = consent_source
        if consent:
            customer.email_opt_out_at = None
    edited = sorted(name for name, value in fields.items() if getattr(customer, name) != value)
    for name, value in fields.items():
        setattr(customer, name, value)
    with transaction.atomic():
        customer.save()
        if changed:
            consent_record(
                customer=customer, change=change_for(consent), source=consent_source,
                actor=actor, at=customer.consent_recorded_at,
            )  # fmt: skip
        customer_change_audit(customer, actor, edited, consent_source if changed else "")
    return customer


def customer_change_audit(
    customer: Customer, actor: User | None, edited: list[str], consent_source: str
) -> None:
    """Field names and consent only: the audit log holds no personal data."""
    target = str(customer.uuid)
    if edited:
        audit_record(
            business=customer.business, actor=actor, action="customer.update", target=target,
            detail={"fields": edited},
        )  # fmt: skip
    if consent_source:
        audit_record(
            business=customer.business, actor=actor, action="customer.consent", target=target,
            detail={"consent_to_contact": customer.consent_to_contact, "source": consent_source},
        )  # fmt: skip


def clean_customer_fields(fields: dict) -> dict:
    unknown = set(fields) - CUSTOMER_FIELDS
    if unknown:
        raise ApplicationError(
            _("Unknown fields."), errors={k: [_("Unknown field.")] for k in unknown}
        )
    cleaned = dict(fields)
    for name in ("name", "phone"):
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip()
    if "email" in cleaned:
        cleaned["email"] = (cleaned["email"] or "").strip().lower()
    if "tags" in cleaned:
        cleaned["tags"] = sorted({t.strip() for t in cleaned["tags"] if t and t.strip()})
    return cleaned


def email_taken(*, business: Business, email: str, besides: Customer | None = None) -> bool:
    others = Customer.objects.filter(business=business, email__iexact=email)
    if besides is not None:
        others = others.exclude(pk=besides.pk)
    return others.exists()


def customer_for_email(*, business: Business, email: str, name: str = "") -> tuple[Customer, bool]:
    """The customer with this e-mail, created if new; True when created."""
    email = email.strip().lower()
    existing = Customer.objects.filter(business=business, email__iexact=email).first()
    if existing is not None:
        if name and not existing.name:
            existing.name = name.strip()
            existing.save(update_fields=["name"])
        return existing, False
    return Customer.objects.create(business=business, email=email, name=name.strip()), True


@dataclass(frozen=True)
class PurchaseInput:
    customer: Customer
    purchased_at: object
    amount: Decimal
    currency: str = "EUR"
    order_reference: str = ""
    location: Location | None = None


def purchase_record(*, business: Business, data: PurchaseInput) -> tuple[Purchase, bool]:
    """Store a purchase; the same order reference again updates it instead of doubling.

    Returns the purchase and True when it was new.
    """
    written = _purchase_write(business, data)
    purchases_changed(business_id=business.pk)
    return written


def purchases_record(
    *, business: Business, items: list[PurchaseInput]
) -> list[tuple[Purchase, bool]]:
    """A batch from a point-of-sale system: all stored, or none; heard as one change."""
    with transaction.atomic():
        written = [_purchase_write(business, item) for item in items]
        purchases_changed(business_id=business.pk, purchases=len(written))
    return written


def _purchase_write(business: Business, data: PurchaseInput) -> tuple[Purchase, bool]:
    values = {
        "customer": data.customer,
        "purchased_at": data.purchased_at,
        "amount": data.amount,
        "currency": data.currency.upper(),
        "location": data.location,
    }
    if data.order_reference:
        return Purchase.objects.update_or_create(
            business=business, order_reference=data.order_reference, defaults=values
        )
    return Purchase.objects.create(business=business, **values), True


def customer_delete(*, customer: Customer, actor: User | None = None) -> None:
    with transaction.atomic():
        audit_record(
            business=customer.business, actor=actor, action="customer.delete",
            target=str(customer.uuid),
        )  # fmt: skip
        customer.delete()
    purchases_changed(business_id=customer.business_id)


def purchases_changed(*, business_id: int, purchases: int = 1) -> None:
    """Once the transaction commits, tell the apps that keep figures over purchases
    (settings.CUSTOMERS_AFTER_PURCHASES); each gathers many calls into one update. Robust:
    a hook that fails is logged, it never turns a saved purchase into an error."""
    for hook_path in settings.CUSTOMERS_AFTER_PURCHASES:
        hook = import_string(hook_path)
        transaction.on_commit(
            lambda hook=hook: hook(business_id=business_id, purchases=purchases), robust=True
        )


def customer_email_opt_out(*, customer_id: int, detail: str = "") -> bool:
    """The customer clicked "unsubscribe" in one of our e-mails (`detail` says which).
    Once: a second click keeps the first moment and adds nothing. True when recorded."""
    now = timezone.now()
    with transaction.atomic():
        claimed = Customer.objects.filter(pk=customer_id, email_opt_out_at=None).update(
            email_opt_out_at=now, consent_to_contact=False, consent_recorded_at=now,
            consent_source=ConsentSource.UNSUBSCRIBE,
        )  # fmt: skip
        if claimed:
            customer = Customer.objects.get(pk=customer_id)
            consent_record(
                customer=customer, change=ConsentChange.UNSUBSCRIBED,
                source=ConsentSource.UNSUBSCRIBE, detail=detail, at=now,
            )  # fmt: skip
            customer_change_audit(customer, None, [], ConsentSource.UNSUBSCRIBE)
    return bool(claimed)
