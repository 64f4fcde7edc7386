"""Logging a customer interaction: fast for staff, scored like any customer text."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import Business, Location, User
from customers.models import Customer
from journeys.models import Touchpoint
from textanalysis.services import texts_enqueue_scoring

from ..cases.services import cases_open_for_interaction
from ..models import Interaction


@dataclass(frozen=True)
class NewCustomer:
    name: str = ""
    email: str = ""
    phone: str = ""

    def __bool__(self) -> bool:
        return bool(self.name or self.email or self.phone)


def customer_find_or_create(*, business: Business, person: NewCustomer) -> Customer:
    """The customer with this e-mail if the business knows them, else a new one."""
    email = person.email.strip().lower()
    existing = (
        Customer.objects.filter(business=business, email__iexact=email).first() if email else None
    )
    if existing is not None:
        return existing
    return Customer.objects.create(
        business=business, name=person.name.strip(), email=email, phone=person.phone.strip()
    )


def interaction_log(
    *,
    business: Business,
    staff: User | None,
    channel: str,
    note: str,
    touchpoint: Touchpoint | None = None,
    mood: str = "",
    outcome: str = "",
    follow_up_needed: bool = False,
    customer: Customer | None = None,
    new_customer: NewCustomer | None = None,
    location: Location | None = None,
) -> Interaction:
    with transaction.atomic():
        if customer is None and new_customer:
            customer = customer_find_or_create(business=business, person=new_customer)
        interaction = Interaction.objects.create(
            business=business,
            staff=staff,
            customer=customer,
            location=location,
            channel=channel,
            touchpoint=touchpoint,
            note=note,
            mood=mood,
            outcome=outcome.strip(),
            follow_up_needed=follow_up_needed,
            created_at=timezone.now(),
        )
        cases_open_for_interaction(interaction=interaction)
        texts_enqueue_scoring(model=Interaction, ids=[interaction.pk])
    return interaction
