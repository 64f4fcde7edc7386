from __future__ import annotations

from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """A customer's rights over their data: export, erasure, retention.

    It reads and anonymises rows of every app that holds customer data, so it sits at the
    top of the dependency picture (like metrics): it imports from the other apps, none
    imports from it. Its rows live where they belong: Customer.erased_at and Erasure in
    customers, Business.retention_months and the audit log in accounts.
    """

    name = "privacy"
