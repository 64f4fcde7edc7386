"""reputation 0002: requests stored as failed with "Skipped: <why>" before the skipped
status existed become skipped, with the why kept; real failures stay failed."""

from __future__ import annotations

import pytest

from tests.factories import CustomerFactory
from tests.helpers import migrate
from tests.reputation.factories import ReviewSourceFactory

BEFORE = [("reputation", "0001_initial")]
AFTER = [("reputation", "0002_review_request_skipped")]


@pytest.mark.django_db(transaction=True)
def test_old_skips_become_skipped_and_back(business_a):
    customer, source = (
        CustomerFactory(business=business_a),
        ReviewSourceFactory(business=business_a),
    )
    try:
        old = migrate(BEFORE).get_model("reputation", "ReviewRequest")
        rows = {
            "skip": ("failed", "Skipped: No consent to be contacted."),
            "fail": ("failed", "Not sent: SMTP said no"),
            "sent": ("sent", ""),
        }
        for token, (status, error) in rows.items():
            old.objects.create(
                business_id=business_a.pk, customer_id=customer.pk, source_id=source.pk,
                token=token, status=status, error=error,
            )  # fmt: skip
        new = migrate(AFTER).get_model("reputation", "ReviewRequest")
        assert dict(new.objects.values_list("token", "status")) == {
            "skip": "skipped", "fail": "failed", "sent": "sent"
        }  # fmt: skip
        assert new.objects.get(token="skip").error == "No consent to be contacted."
        back = migrate(BEFORE).get_model("reputation", "ReviewRequest")
        assert back.objects.get(token="skip").error == "Skipped: No consent to be contacted."
    finally:
        migrate()  # back to the newest
