"""Whose data a privacy action reaches, model by model.

One customer (an export or an erasure), or everything written before a business's
retention cut-off together with the customers not seen since. Export and anonymisation
read the same querysets, so what is exported is exactly what erasure removes.

A customer's rows are found through their link (`customer`) and, for survey responses
left without a link, through the e-mail they gave to be contacted. Every queryset is
filtered by the business first (the tenancy rule).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from accounts.models import Business
from customers.models import ConsentEvent, Customer, CustomerImport, ImportStatus, Purchase
from feedback.models import Answer, CaseNote, FollowUpCase, Interaction, Invitation, Response
from reputation.models import ReviewRequest
from textanalysis.models import Alert

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Scope:
    business: Business
    # Customers whose personal data is reached (a short list: one request, or one batch).
    customer_ids: list[int]
    # Their e-mail addresses, to find survey answers they gave without being linked.
    emails: tuple[str, ...] = ()
    # Every text written before this moment is reached too (retention); None: none.
    before: datetime | None = None

    @classmethod
    def of_customer(cls, *, business: Business, customer: Customer) -> Scope:
        emails = (customer.email,) if customer.email else ()
        return cls(business=business, customer_ids=[customer.pk], emails=emails)

    def linked(self, path: str) -> Q:
        return Q(**{f"{path}__in": self.customer_ids})

    def older(self, field: str = "created_at") -> Q:
        return Q(**{f"{field}__lt": self.before}) if self.before else NOTHING

    def people_only(self) -> Scope:
        return replace(self, before=None)


def either(*conditions: Q) -> Q:
    return reduce(or_, conditions, NOTHING)


def customers(scope: Scope) -> QuerySet[Customer]:
    return Customer.objects.filter(business=scope.business, pk__in=scope.customer_ids)


def holds_personal_data() -> Q:
    """Customers not anonymised yet, or given a name or address again since."""
    return Q(erased_at=None) | ~Q(name="") | ~Q(email="") | ~Q(phone="") | ~Q(tags=[])


def consent_events(scope: Scope) -> QuerySet[ConsentEvent]:
    return ConsentEvent.objects.filter(business=scope.business).filter(scope.linked("customer"))


def purchases(scope: Scope) -> QuerySet[Purchase]:
    return Purchase.objects.filter(business=scope.business).filter(scope.linked("customer"))


def responses(scope: Scope) -> QuerySet[Response]:
    given = [Q(contact_email__iexact=email) for email in scope.emails]
    return Response.objects.filter(business=scope.business).filter(
        either(scope.linked("customer"), *given, scope.older())
    )


def answers(scope: Scope) -> QuerySet[Answer]:
    # An answer is written with its response, at the same moment.
    return Answer.objects.filter(business=scope.business).filter(
        either(Q(response__in=responses(scope.people_only())), scope.older())
    )


def interactions(scope: Scope) -> QuerySet[Interaction]:
    return Interaction.objects.filter(business=scope.business).filter(
        either(scope.linked("customer"), scope.older())
    )


def cases(scope: Scope) -> QuerySet[FollowUpCase]:
    """Cases about the customers: linked to them, or opened from their answers or visits."""
    people = scope.people_only()
    return FollowUpCase.objects.filter(business=scope.business).filter(
        either(
            scope.linked("customer"),
            Q(response__in=responses(people)),
            Q(interaction__in=interactions(people)),
        )
    )


def case_notes(scope: Scope) -> QuerySet[CaseNote]:
    return CaseNote.objects.filter(business=scope.business).filter(
        either(Q(case__in=cases(scope)), scope.older())
    )


def alerts(scope: Scope) -> QuerySet[Alert]:
    """Alerts quoting the customers' words (answers and staff notes)."""
    return Alert.objects.filter(business=scope.business).filter(
        either(
            Q(source=Answer._meta.label, source_id__in=answers(scope).values("pk")),
            Q(source=Interaction._meta.label, source_id__in=interactions(scope).values("pk")),
        )
    )


def invitations(scope: Scope) -> QuerySet[Invitation]:
    return Invitation.objects.filter(business=scope.business).filter(
        either(scope.linked("customer"), scope.older())
    )


def review_requests(scope: Scope) -> QuerySet[ReviewRequest]:
    return ReviewRequest.objects.filter(business=scope.business).filter(
        either(scope.linked("customer"), scope.older())
    )


def finished_import_files(scope: Scope) -> QuerySet[CustomerImport]:
    """Uploaded CSV files whose import is over. Any of them may hold one customer's row
    and none is needed any more, so an erasure reaches them all; retention the old ones."""
    finished = CustomerImport.objects.filter(
        business=scope.business, status__in=[ImportStatus.DONE, ImportStatus.FAILED]
    )
    return finished.filter(scope.older()) if scope.before else finished
