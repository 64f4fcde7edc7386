"""A customer with something in every place that holds personal data, and neighbours
that must be left alone: another customer of the same business, and business B."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone

from accounts.models import Business, Location
from accounts.services import location_create
from customers.models import Customer, CustomerImport, ImportStatus
from customers.services import PurchaseInput, customer_create, purchase_record
from feedback.cases.services import case_note_add
from feedback.channels.invitations import new_token
from feedback.interactions.services import interaction_log
from feedback.models import FollowUpCase, Invitation, InvitationStatus, Survey
from journeys.models import Touchpoint
from reputation.models import Provider, ReviewRequest, ReviewSource
from reputation.review_requests import new_token as new_request_token
from tests.helpers import answer

DANA = {
    "name": "Dana Whitlock",
    "email": "dana.whitlock@example.net",
    "phone": "+44 7700 900123",
    "tags": ["whitlock-household"],
}
# Strings that identify Dana: none may be left anywhere in the database after erasure.
DANA_MARKERS = ("Whitlock", "whitlock", "7700 900123")
ELI = {"name": "Eli Brandvold", "email": "eli.brandvold@example.org", "phone": "+44 7700 900456"}
ELI_MARKER = "Brandvold"


@dataclass
class Person:
    customer: Customer
    scheduled_invitation: Invitation
    answered_invitation: Invitation
    review_request: ReviewRequest


@dataclass
class World:
    business: Business
    survey: Survey
    location: Location
    dana: Person
    eli: Person
    import_job: CustomerImport
    b_customer: Customer


def person_with_everything(
    business: Business, survey: Survey, location: Location, source: ReviewSource, bob,
    details: dict, surname: str,
) -> Person:  # fmt: skip
    """A customer who bought, answered (linked and by e-mail alone), was served, has a
    follow-up case with a note, a pending invitation and a queued review request."""
    customer = customer_create(business=business, consent_to_contact=True, **details)
    now = timezone.now()
    for days, amount in ((40, "12.50"), (3, "7.20")):
        purchase_record(
            business=business,
            data=PurchaseInput(
                customer=customer, purchased_at=now - timedelta(days=days),
                amount=Decimal(amount), location=location,
            ),
        )  # fmt: skip
    answered = invitation(business, survey, customer, InvitationStatus.SENT)
    answer(
        survey, 2, f"{surname} here: rude staff, awful cold coffee, terrible visit.",
        invitation=answered, channel="email", location=location,
    )  # fmt: skip
    answer(
        survey, 9, f"Lovely croissants, thanks from {details['email']}",
        contact_requested=True, contact_email=details["email"].upper(), location=location,
    )  # fmt: skip
    visit = interaction_log(
        business=business, staff=bob, channel="phone", customer=customer,
        note=f"{surname} called, furious about the wait, wants a refund.",
        outcome=f"Refund promised to {surname}", follow_up_needed=True,
        touchpoint=Touchpoint.objects.filter(business=business).first(), location=location,
    )  # fmt: skip
    for case in FollowUpCase.objects.filter(business=business, customer=customer):
        case_note_add(case=case, author=bob, text=f"Rang {surname} on {details['phone']}.")
    assert FollowUpCase.objects.filter(interaction=visit).exists()
    return Person(
        customer=customer,
        scheduled_invitation=invitation(business, survey, customer, InvitationStatus.SCHEDULED),
        answered_invitation=answered,
        review_request=ReviewRequest.objects.create(
            business=business, customer=customer, source=source, token=new_request_token()
        ),
    )


def invitation(business, survey, customer, status) -> Invitation:
    return Invitation.objects.create(
        business=business, survey=survey, customer=customer, token=new_token(), status=status,
        send_at=timezone.now() + timedelta(hours=1),
    )  # fmt: skip


@pytest.fixture
def world(
    business_a,
    business_b,
    survey_a,
    survey_b,
    bob,
    mia,
    charlie,
    django_capture_on_commit_callbacks,
) -> World:
    # Comments are scored, alerts raised and cases opened as the worker would (eagerly).
    with django_capture_on_commit_callbacks(execute=True):
        location = location_create(business=business_a, name="High Street")
        source = ReviewSource.objects.create(
            business=business_a, provider=Provider.MANUAL, name="Google",
            review_page_url="https://reviews.example/bluebird",
        )  # fmt: skip
        dana = person_with_everything(business_a, survey_a, location, source, bob, DANA, "Whitlock")
        eli = person_with_everything(business_a, survey_a, location, source, bob, ELI, ELI_MARKER)
        b_location = location_create(business=business_b, name="Salon")
        b_source = ReviewSource.objects.create(
            business=business_b, provider=Provider.MANUAL, name="Yelp",
            review_page_url="https://reviews.example/salon",
        )  # fmt: skip
        b_person = person_with_everything(
            business_b, survey_b, b_location, b_source, charlie,
            {**DANA, "name": "Dana Whitlock of B", "email": "dana.whitlock@b.example"},
            "Whitlock",
        )  # fmt: skip
    import_job = CustomerImport.objects.create(
        business=business_a, file_name="till.csv", status=ImportStatus.DONE,
        content=f"name,email\n{DANA['name']},{DANA['email']}\n".encode(),
        refusals=[{"row": 3, "reason": "“dana.whitlock@@example” is not an e-mail address."}],
    )  # fmt: skip
    return World(
        business=business_a, survey=survey_a, location=location, dana=dana, eli=eli,
        import_job=import_job, b_customer=b_person.customer,
    )  # fmt: skip


def database_text(business: Business | None = None) -> str:
    """Every value of every row of every table, as text (business rows of one business
    when given): what a grep of the database would search."""
    chunks = []
    for model in apps.get_models():
        rows = model._default_manager.all()
        if business is not None and any(f.name == "business" for f in model._meta.fields):
            rows = rows.filter(business=business)
        for row in rows.values():
            chunks.extend(as_text(value) for value in row.values())
    return "\n".join(chunks)


def as_text(value) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", "replace")
    return str(value)
