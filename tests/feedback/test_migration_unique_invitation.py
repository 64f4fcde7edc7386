"""feedback 0014: the invitation's unique constraint becomes a partial unique index
(answered invitations only), and back, with the responses already there kept."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.factories import CustomerFactory

BEFORE = [("feedback", "0013_answer_response_no_constraint")]
AFTER = [("feedback", "0014_response_unique_invitation")]


def migrate(targets) -> object:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def unique_on_invitation() -> list[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "feedback_response")
    return [name for name, info in constraints.items()
            if info["unique"] and info["columns"] == ["invitation_id"]]  # fmt: skip


def add_responses(apps, survey, invitation_id) -> None:
    response = apps.get_model("feedback", "Response")
    for invitation in (None, None, invitation_id):
        response.objects.create(
            business_id=survey.business_id, survey_id=survey.pk, invitation_id=invitation
        )


@pytest.mark.django_db(transaction=True)
def test_the_unique_invitation_becomes_partial_and_back(survey_a):
    customer = CustomerFactory(business=survey_a.business)
    try:
        old = migrate(BEFORE)
        invitation = old.get_model("feedback", "Invitation").objects.create(
            business_id=survey_a.business_id, survey_id=survey_a.pk, customer_id=customer.pk,
            token="answered", send_at=timezone.now(),
        )  # fmt: skip
        add_responses(old, survey_a, invitation.pk)
        (old_name,) = unique_on_invitation()

        new = migrate(AFTER)
        assert unique_on_invitation() == ["response_unique_invitation"]
        with pytest.raises(IntegrityError), transaction.atomic():
            add_responses(new, survey_a, invitation.pk)

        back = migrate(BEFORE)
        assert unique_on_invitation() == [old_name] != ["response_unique_invitation"]
        responses = back.get_model("feedback", "Response").objects
        assert responses.count() == 3
        assert responses.filter(invitation_id=invitation.pk).count() == 1
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
