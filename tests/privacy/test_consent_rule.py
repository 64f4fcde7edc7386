"""The one consent rule (customers.consent): the same answer in Python and in SQL, and
the narrower consent a customer gives for the follow-up of one answer."""

from __future__ import annotations

from datetime import timedelta
from itertools import product

import pytest
from django.utils import timezone

from customers.consent import (
    NO_CONSENT,
    NO_EMAIL,
    OPTED_OUT,
    REFUSALS,
    contact_refusal,
    contactable,
    follow_up_refusal,
    may_contact,
    refusal_expression,
    refusal_key,
)
from customers.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

# Every combination of the three facts the rule reads.
COMBINATIONS = list(product([True, False], repeat=3))


def expected_key(has_email: bool, opted_out: bool, agreed: bool) -> str:
    """The rule as the README words it: no e-mail to someone without an address, who
    unsubscribed, or who never agreed; an unsubscribe is named before a missing consent."""
    if not has_email:
        return NO_EMAIL
    if opted_out:
        return OPTED_OUT
    if not agreed:
        return NO_CONSENT
    return ""


@pytest.fixture
def everyone(business_a, business_b):
    """One customer of business A per combination, and a consenting one of business B."""
    made = {}
    for has_email, opted_out, agreed in COMBINATIONS:
        made[has_email, opted_out, agreed] = CustomerFactory(
            business=business_a,
            email=f"{int(has_email)}{int(opted_out)}{int(agreed)}@example.net" if has_email else "",
            email_opt_out_at=timezone.now() - timedelta(days=1) if opted_out else None,
            consent_to_contact=agreed,
        )
    CustomerFactory(business=business_b, consent_to_contact=True)
    return made


def test_the_rule_refuses_for_the_first_reason_that_holds(everyone):
    for facts, customer in everyone.items():
        key = expected_key(*facts)
        assert refusal_key(customer) == key, facts
        assert contact_refusal(customer) == (str(REFUSALS[key]) if key else ""), facts
        assert may_contact(customer) is (key == ""), facts


def test_the_database_applies_the_same_rule(everyone, business_a):
    in_sql = dict(
        Customer.objects.filter(business=business_a)
        .annotate(refusal=refusal_expression())
        .values_list("pk", "refusal")
    )
    assert in_sql == {c.pk: expected_key(*facts) for facts, c in everyone.items()}
    allowed = set(
        Customer.objects.filter(business=business_a)
        .filter(contactable())
        .values_list("pk", flat=True)
    )
    assert allowed == {c.pk for facts, c in everyone.items() if not expected_key(*facts)}


def test_a_phone_call_needs_consent_but_no_email_address(business_a):
    caller = CustomerFactory(
        business=business_a, email="", phone="+34 600", consent_to_contact=True
    )
    assert contact_refusal(caller) == str(REFUSALS[NO_EMAIL])
    assert contact_refusal(caller, by_email=False) == ""
    caller.consent_to_contact = False
    assert contact_refusal(caller, by_email=False) == str(REFUSALS[NO_CONSENT])


class TestFollowUps:
    def test_asking_about_an_answer_is_consent_for_its_follow_up(self, business_a):
        never_agreed = CustomerFactory(business=business_a, consent_to_contact=False)
        asked_at = timezone.now()
        assert follow_up_refusal(never_agreed, asked_at=asked_at) == ""
        assert follow_up_refusal(None, asked_at=asked_at) == ""  # anonymous, left an e-mail

    def test_an_unsubscribe_after_asking_wins(self, business_a):
        asked_at = timezone.now() - timedelta(hours=2)
        later = CustomerFactory(business=business_a, email_opt_out_at=asked_at + timedelta(hours=1))
        earlier = CustomerFactory(
            business=business_a, email_opt_out_at=asked_at - timedelta(days=9)
        )
        assert follow_up_refusal(later, asked_at=asked_at) == str(REFUSALS[OPTED_OUT])
        # Unsubscribed from the e-mails long ago, then asked to hear back: they asked.
        assert follow_up_refusal(earlier, asked_at=asked_at) == ""

    def test_without_a_request_the_general_rule_holds(self, business_a):
        agreed = CustomerFactory(business=business_a, email="", consent_to_contact=True)
        silent = CustomerFactory(business=business_a, consent_to_contact=False)
        assert follow_up_refusal(agreed, asked_at=None) == ""  # by phone, say
        assert follow_up_refusal(silent, asked_at=None) == str(REFUSALS[NO_CONSENT])
        assert "Anonymous" in follow_up_refusal(None, asked_at=None)
