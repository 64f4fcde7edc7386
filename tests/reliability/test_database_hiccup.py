"""The database connection dropped in the middle of a request's transaction: a clean 503
with Retry-After (an HTML page for pages, JSON for the API), and nothing half-written.

The drop is real: when the request's own connection sends the statement named by the
test, another connection ends its backend with pg_terminate_backend (and waits until it
is gone), then the statement goes to the dead connection. PostgreSQL only.
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager

import pytest
from django.db import connection, connections
from django.test import Client

from customers.models import Customer
from feedback.antiabuse import STARTED_FIELD, form_started_token
from feedback.models import Answer, FollowUpCase, Interaction, Response

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


@contextmanager
def connection_dropped_at(statement_start: str):
    """Drop this thread's database connection when it is about to run a statement that
    starts with `statement_start`; yields the list of dropped backend pids."""
    dropped: list[int] = []

    def drop_first(execute, sql, params, many, context):
        if not dropped and sql.startswith(statement_start):
            pid = context["connection"].connection.get_backend_pid()
            killer = connections.create_connection("default")
            try:
                with killer.cursor() as cursor:
                    cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
                    assert cursor.fetchone() == (True,)
            finally:
                killer.close()
            dropped.append(pid)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(drop_first):
        yield dropped


def nothing_written() -> bool:
    tables = (Response, Answer, FollowUpCase, Interaction, Customer)
    return not any(model.objects.exists() for model in tables)


def detractor_answers(survey) -> tuple[dict, dict]:
    """The same detractor's answer as page form data and as an API body; a detractor
    opens a follow-up case, the last write of the submission's transaction."""
    nps, reason = survey.questions.order_by("position")
    comment = "Waited 40 minutes, cold food."
    form = {f"q-{nps.uuid}": "2", f"q-{reason.uuid}": comment,
            STARTED_FIELD: form_started_token(at=time.time() - 30)}  # fmt: skip
    body = {"answers": {str(nps.uuid): 2, str(reason.uuid): comment}}
    return form, body


CASE_INSERT = 'INSERT INTO "feedback_followupcase"'


def test_the_api_answers_503_in_json_and_keeps_nothing_of_the_submission(survey_a):
    _, body = detractor_answers(survey_a)
    url = f"/api/v1/public/surveys/{survey_a.uuid}/responses/"
    with connection_dropped_at(CASE_INSERT) as dropped:
        reply = Client().post(url, data=json.dumps(body), content_type="application/json")
    assert dropped  # the response and its answers were written, the case was next
    assert reply.status_code == 503
    assert reply["Content-Type"] == "application/json"
    assert reply["Retry-After"] == "5"
    assert reply.json() == {
        "detail": "The service is briefly unavailable; nothing was saved. Please try again.",
        "errors": {"body": ["Try again in 5 seconds."]},
    }
    assert nothing_written()
    # The next request gets a new connection and goes through, whole.
    again = Client().post(url, data=json.dumps(body), content_type="application/json")
    assert again.status_code == 201
    assert (Response.objects.count(), Answer.objects.count(), FollowUpCase.objects.count()) == (
        1, 2, 1,
    )  # fmt: skip


def test_the_survey_page_answers_a_503_page_and_keeps_nothing(survey_a):
    form, _ = detractor_answers(survey_a)
    with connection_dropped_at(CASE_INSERT) as dropped:
        reply = Client().post(f"/s/{survey_a.uuid}/", form)
    assert dropped
    assert reply.status_code == 503
    assert reply["Content-Type"].startswith("text/html")
    assert reply["Retry-After"] == "5"
    html = reply.content.decode()
    assert "Nothing was saved this time" in html and "Traceback" not in html
    assert nothing_written()


def test_a_staff_member_logging_a_new_customer_gets_a_503_and_no_orphan_customer(bob, client_of):
    staff = client_of(bob)
    form = {"channel": "phone", "note": "Wants a refund.", "customer_name": "Zoe Park",
            "customer_email": "zoe@example.com"}  # fmt: skip
    # The new customer is written first, in the same transaction as the interaction.
    with connection_dropped_at('INSERT INTO "feedback_interaction"') as dropped:
        reply = staff.post("/interactions/new/", form)
    assert dropped
    assert (reply.status_code, reply["Retry-After"]) == (503, "5")
    assert nothing_written()
    assert staff.post("/interactions/new/", form).status_code == 302
    assert Customer.objects.get().email == "zoe@example.com"


def test_an_error_that_is_not_the_database_is_still_a_500(survey_a, monkeypatch):
    """The 503 is for a lost database only; a bug must not pass for a hiccup."""
    import feedback.api

    def broken(**kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(feedback.api, "response_submit", broken)
    _, body = detractor_answers(survey_a)
    client = Client(raise_request_exception=False)
    reply = client.post(
        f"/api/v1/public/surveys/{survey_a.uuid}/responses/",
        data=json.dumps(body),
        content_type="application/json",
    )
    assert reply.status_code == 500 and "Retry-After" not in reply
