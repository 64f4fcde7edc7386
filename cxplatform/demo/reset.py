"""Removing an earlier demo business, fast even with millions of rows."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Model

from accounts.models import Business, User
from customers.models import Customer, Purchase
from feedback.models import Answer, Interaction, Response

# The big tables, children first. Django's delete collector would load every one of
# their rows into Python to cascade; one DELETE per table lets the database do it.
BIG_TABLES: tuple[type[Model], ...] = (Answer, Response, Purchase, Interaction, Customer)


def demo_delete(*, name: str, email_domain: str) -> None:
    """Delete every business called `name`, with all its rows, and the demo's users."""
    with transaction.atomic():
        for business_id in Business.objects.filter(name=name).values_list("id", flat=True):
            big_tables_delete(business_id=business_id)
            # What is left is small (surveys, cases, locations...): the collector is fine.
            Business.objects.filter(id=business_id).delete()
        User.objects.filter(email__endswith=f"@{email_domain}").delete()


def big_tables_delete(*, business_id: int) -> None:
    # Rows still pointing at deleted ones (a follow-up case at its response) go in the
    # same transaction; foreign keys are checked at commit (Django creates them
    # DEFERRABLE INITIALLY DEFERRED on PostgreSQL and SQLite), so order cannot break it.
    with connection.cursor() as cursor:
        # Answers waiting to be filed (feedback.filing) have no business column of their own.
        cursor.execute(
            "DELETE FROM feedback_pendinganswers WHERE response_id IN "
            "(SELECT id FROM feedback_response WHERE business_id = %s)",
            [business_id],
        )
        for model in BIG_TABLES:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"DELETE FROM {table} WHERE business_id = %s", [business_id])
