"""The retention period: every night, free text and personal data older than N months
are anonymised in batches by the same code as an erasure, and the figures stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEntry, Business
from customers.models import Customer, Purchase
from customers.services import PurchaseInput, customer_create, purchase_record
from cxplatform.celery import app as celery_app
from feedback.cases.services import case_note_add
from feedback.interactions.services import interaction_log
from feedback.models import Answer, CaseNote, FollowUpCase, Interaction, Response
from privacy import anonymise as anonymise_module
from privacy.anonymise import PLACES
from privacy.services import customer_erase, months_before, retention_apply
from privacy.tasks import retention_sweep
from tests.helpers import answer
from textanalysis.models import Alert

pytestmark = pytest.mark.django_db

LONG_AGO = timedelta(days=14 * 31)  # past a 12-month retention period
LATELY = timedelta(days=20)


def backdate(rows, moment) -> None:
    """A real clock offset: the rows were written at `moment`."""
    rows.update(created_at=moment)


def customer_heard_at(business, survey, bob, name: str, moment, capture) -> Customer:
    """A customer created, buying, answering, served and followed up at `moment`."""
    customer = customer_create(
        business=business, name=name, email=f"{name.split()[0].lower()}@example.net",
        phone="+44 7700 900999", tags=["regular"], consent_to_contact=True,
    )  # fmt: skip
    Customer.objects.filter(pk=customer.pk).update(created_at=moment, consent_recorded_at=moment)
    words = f"{name} says: awful coffee, terrible rude staff."
    say(business, survey, bob, customer, words, moment, capture)
    purchase_record(
        business=business,
        data=PurchaseInput(customer=customer, purchased_at=moment, amount=Decimal("9.90")),
    )
    return customer


def say(business, survey, bob, customer, words: str, moment, capture) -> None:
    """A comment (linked to the customer through a response) and a staff note, scored
    (alerts raised, cases opened) as they came in, then moved back to `moment`."""
    with capture(execute=True):
        response = answer(survey, 3, words)
        visit = interaction_log(
            business=business, staff=bob, channel="phone", customer=customer,
            note=f"Note: {words}", follow_up_needed=True, outcome="Called back",
        )  # fmt: skip
    Response.objects.filter(pk=response.pk).update(customer=customer, created_at=moment)
    backdate(Answer.objects.filter(response=response), moment)
    backdate(Interaction.objects.filter(pk=visit.pk), moment)
    for case in FollowUpCase.objects.filter(interaction=visit):
        note = case_note_add(case=case, author=bob, text=f"Case note: {words}")
        backdate(CaseNote.objects.filter(pk=note.pk), moment)


@pytest.fixture
def history(business_a, business_b, survey_a, survey_b, bob, charlie,
            django_capture_on_commit_callbacks):  # fmt: skip
    """Business A keeps 12 months. Olga was last heard of long ago; Rita long ago and
    lately; business B keeps everything and has an Olga of its own."""
    now, capture = timezone.now(), django_capture_on_commit_callbacks
    olga = customer_heard_at(business_a, survey_a, bob, "Olga Oldfield", now - LONG_AGO, capture)
    rita = customer_heard_at(business_a, survey_a, bob, "Rita Longago", now - LONG_AGO, capture)
    say(business_a, survey_a, bob, rita, "Rita Freshword: lovely visit.", now - LATELY, capture)
    purchase_record(
        business=business_a,
        data=PurchaseInput(customer=rita, purchased_at=now - LATELY, amount=Decimal("4")),
    )
    b_olga = customer_heard_at(
        business_b, survey_b, charlie, "Olga Oldfield", now - LONG_AGO, capture
    )
    Business.objects.filter(pk=business_a.pk).update(retention_months=12)
    return olga, rita, b_olga


def texts_of(customer: Customer) -> list[str]:
    answers = Answer.objects.filter(response__customer=customer).exclude(text="")
    notes = Interaction.objects.filter(customer=customer).exclude(note="")
    case_notes = CaseNote.objects.filter(case__customer=customer).exclude(text="")
    return sorted(
        [*answers.values_list("text", flat=True), *notes.values_list("note", flat=True),
         *case_notes.values_list("text", flat=True)]
    )  # fmt: skip


def test_the_nightly_task_anonymises_what_is_older_than_the_period(history, business_a):
    olga, rita, b_olga = history

    assert retention_sweep.delay().get() == 1  # one business keeps a limited time

    olga.refresh_from_db()
    assert (olga.name, olga.email, olga.phone, olga.tags) == ("", "", "", [])
    assert olga.erased_at is not None and texts_of(olga) == []
    assert Purchase.objects.get(customer=olga).amount == Decimal("9.90")
    rita.refresh_from_db()
    assert rita.name == "Rita Longago" and rita.erased_at is None  # she bought lately
    assert texts_of(rita) == [
        "Case note: Rita Freshword: lovely visit.",
        "Note: Rita Freshword: lovely visit.",
        "Rita Freshword: lovely visit.",
    ]
    old_answers = Answer.objects.filter(response__customer__in=[olga, rita], number=None)
    assert old_answers.filter(text="").count() == 2
    assert not old_answers.filter(text="", sentiment_score=None).exists()  # scores stay
    b_olga.refresh_from_db()
    assert b_olga.name == "Olga Oldfield" and len(texts_of(b_olga)) == 3


def test_alert_quotes_of_old_words_go_too(history, business_a):
    olga, _rita, _ = history
    ids = Answer.objects.filter(response__customer=olga).values_list("pk", flat=True)
    alerts = Alert.objects.filter(source="feedback.Answer", source_id__in=list(ids))
    assert alerts.exclude(excerpt="").exists()

    retention_apply(business_id=business_a.pk)

    assert set(alerts.values_list("excerpt", flat=True)) == {""}


def test_a_second_run_changes_nothing(history, business_a):
    first = retention_apply(business_id=business_a.pk)
    assert first["customers"] == 1 and first["answers"] == 2 and first["case_notes"] == 2

    second = retention_apply(business_id=business_a.pk)

    assert set(second.values()) == {0}
    entries = AuditEntry.objects.filter(business=business_a, action="retention.anonymise")
    assert entries.count() == 1 and entries.get().actor is None
    assert entries.get().detail["counts"] == first


def test_erasure_and_retention_are_one_anonymisation(history, business_a, mia):
    olga, rita, _ = history
    _, erased = customer_erase(business=business_a, customer=rita, actor=mia)
    counts = retention_apply(business_id=business_a.pk)
    assert erased
    assert list(counts) == [place.key for place in PLACES]
    assert olga.erasures.count() == 0  # retention is recorded in the audit log, not as a request


def test_a_business_that_keeps_everything_is_left_alone(history, business_a, business_b):
    Business.objects.filter(pk=business_a.pk).update(retention_months=None)

    assert retention_sweep.delay().get() == 0
    assert retention_apply(business_id=business_a.pk) == {}
    assert Customer.objects.filter(erased_at__isnull=False).count() == 0
    assert not AuditEntry.objects.filter(action="retention.anonymise").exists()


def test_the_figures_stay_the_same(history, business_a, alice, client_of):
    client = client_of(alice)
    today = timezone.localdate()
    period = f"?start={today - timedelta(days=800)}&end={today}"
    paths = [f"/api/v1/metrics/kpis/{period}", "/api/v1/metrics/retention/",
             "/api/v1/metrics/cases/", f"/api/v1/journey/map/{period}"]  # fmt: skip
    before = {path: strip_words(client.get(path).json()) for path in paths}
    assert before[paths[0]]["current"]["responses"] == 3

    retention_apply(business_id=business_a.pk)

    assert {path: strip_words(client.get(path).json()) for path in paths} == before


def strip_words(node):
    if isinstance(node, dict):
        return {k: strip_words(v) for k, v in node.items() if k not in {"quotes", "mood_words"}}
    if isinstance(node, list):
        return [strip_words(item) for item in node]
    return node


def test_it_works_in_batches_without_a_query_per_row(
    history, business_a, survey_a, bob, monkeypatch, django_capture_on_commit_callbacks
):
    long_ago, capture = timezone.now() - LONG_AGO, django_capture_on_commit_callbacks

    def queries_for(extra_comments: int) -> int:
        for n in range(extra_comments):
            say(business_a, survey_a, bob, None, f"Old comment {n}", long_ago, capture)
        with CaptureQueriesContext(connection) as run:
            counts = retention_apply(business_id=business_a.pk)
        assert counts["answers"] >= extra_comments
        return len(run.captured_queries)

    retention_apply(business_id=business_a.pk)  # the history first: later runs are alike
    few, many = queries_for(2), queries_for(25)
    assert few == many  # one batch each: the same statements whatever the rows
    monkeypatch.setattr(anonymise_module, "BATCH_SIZE", 4)
    queries_for(9)
    old = {"business": business_a, "created_at__lt": long_ago + timedelta(days=1)}
    assert not Answer.objects.filter(**old).exclude(text="").exists()
    assert not Interaction.objects.filter(**old).exclude(note="").exists()


def test_the_task_runs_every_day(db):
    entry = next(
        e for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "privacy.tasks.retention_sweep"
    )  # fmt: skip
    assert entry["schedule"] <= 24 * 3600
    assert "privacy.tasks.retention_sweep" in celery_app.tasks
    assert "privacy.tasks.retention_apply_business" in celery_app.tasks


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2026, 3, 31, 9, tzinfo=UTC), 1, datetime(2026, 2, 28, 9, tzinfo=UTC)),
        (datetime(2024, 3, 31, 9, tzinfo=UTC), 1, datetime(2024, 2, 29, 9, tzinfo=UTC)),
        (datetime(2026, 1, 15, tzinfo=UTC), 12, datetime(2025, 1, 15, tzinfo=UTC)),
        (datetime(2026, 1, 15, tzinfo=UTC), 25, datetime(2023, 12, 15, tzinfo=UTC)),
    ],
)
def test_months_are_calendar_months(moment, months, expected):
    assert months_before(moment, months) == expected
