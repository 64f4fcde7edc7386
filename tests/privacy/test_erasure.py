"""Erasure on request: personal data and words go everywhere (derived copies included),
the figures stay exactly as they were, it is one transaction, idempotent and recorded."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.models import AuditEntry
from accounts.services import api_key_create
from customers.models import Customer, CustomerImport, Erasure
from feedback.channels.tasks import send_due_invitations
from feedback.models import (
    Answer,
    CaseNote,
    FollowUpCase,
    Interaction,
    Invitation,
    InvitationStatus,
    Response,
)
from privacy import anonymise as anonymise_module
from privacy.services import customer_erase
from reputation.models import RequestStatus, ReviewRequest
from reputation.review_requests import review_request_send
from textanalysis.models import Alert, AspectMention

from .conftest import DANA, DANA_MARKERS, ELI_MARKER, database_text

pytestmark = pytest.mark.django_db

KPI_APIS = (
    "/api/v1/metrics/kpis/",
    "/api/v1/metrics/cases/",
    "/api/v1/metrics/staff-load/",
    "/api/v1/metrics/retention/",
    "/api/v1/metrics/cohorts/",
    "/api/v1/metrics/clv/",
    "/api/v1/metrics/reviews/",
)
DASHBOARD_FIGURES = (
    "report", "kpis", "change", "cases", "recovery", "staff_load", "reviews", "alerts_waiting",
)  # fmt: skip


def erase_page(client: Client, customer: Customer, **data):
    return client.post(f"/customers/{customer.uuid}/erase/", data)


def erase_api(client: Client, customer: Customer, **headers):
    return client.post(f"/api/v1/customers/{customer.uuid}/erase/", **headers)


def kpi_figures(client: Client) -> dict:
    figures = {path: client.get(path).json() for path in KPI_APIS}
    dashboard = client.get("/dashboard/").context
    figures["dashboard"] = {name: dashboard[name] for name in DASHBOARD_FIGURES}
    figures["journey"] = without_words(client.get("/api/v1/journey/map/").json())
    return figures


def without_words(node):
    """The journey map without what is made of customers' words (quotes, mood words)."""
    if isinstance(node, dict):
        return {k: without_words(v) for k, v in node.items() if k not in {"quotes", "mood_words"}}
    if isinstance(node, list):
        return [without_words(item) for item in node]
    return node


def test_erasure_removes_every_trace_of_the_customer(world, mia, client_of):
    dana = world.dana.customer
    before = database_text(world.business)
    assert all(marker in before for marker in DANA_MARKERS)

    reply = erase_page(client_of(mia), dana, confirm="on")

    assert reply.status_code == 302 and reply.url == f"/customers/{dana.uuid}/"
    after = database_text()  # every table of every business
    for marker in DANA_MARKERS:
        assert marker not in database_text(world.business), marker
    assert DANA["email"] not in after  # no table of any business holds her address
    dana.refresh_from_db()
    assert (dana.name, dana.email, dana.phone, dana.tags) == ("", "", "", [])
    assert dana.erased_at is not None


def test_derived_copies_of_the_words_go_too(world, mia, client_of):
    dana = world.dana.customer
    answers = Answer.objects.filter(response__customer=dana).exclude(text="")
    source_ids = list(answers.values_list("pk", flat=True))
    mentions_before = AspectMention.objects.filter(business=world.business).count()
    assert Alert.objects.filter(source="feedback.Answer", source_id__in=source_ids).exists()

    erase_page(client_of(mia), dana, confirm="on")

    alerts = Alert.objects.filter(source="feedback.Answer", source_id__in=source_ids)
    assert alerts.exists() and set(alerts.values_list("excerpt", flat=True)) == {""}
    notes = Interaction.objects.filter(customer=dana).values_list("note", "outcome")
    assert set(notes) == {("", "")}
    assert set(CaseNote.objects.filter(case__customer=dana).values_list("text", flat=True)) == {""}
    # Aspect mentions hold keys and scores, no words: they stay, and so do aspect charts.
    assert AspectMention.objects.filter(business=world.business).count() == mentions_before
    quotes = json.dumps(client_of(mia).get("/api/v1/journey/map/").json())
    assert "Whitlock" not in quotes and '"text": ""' not in quotes
    assert ELI_MARKER in quotes  # the neighbour's words are still quoted


def test_the_figures_are_identical_before_and_after(world, mia, client_of):
    client = client_of(mia)
    before = kpi_figures(client)
    assert before["/api/v1/metrics/kpis/"]["current"]["responses"] > 0

    erase_api(client, world.dana.customer)

    assert kpi_figures(client) == before


def test_the_neighbours_keep_everything(world, mia, client_of):
    eli = world.eli.customer
    others = Answer.objects.exclude(response__customer=world.dana.customer).exclude(text="")
    kept_texts = sorted(others.exclude(text__icontains="whitlock").values_list("text", flat=True))

    erase_api(client_of(mia), world.dana.customer)

    eli.refresh_from_db()
    assert eli.name == "Eli Brandvold" and eli.erased_at is None
    still = Answer.objects.exclude(text="").exclude(text__icontains="whitlock")
    assert sorted(still.values_list("text", flat=True)) == kept_texts
    b_customer = Customer.objects.get(pk=world.b_customer.pk)
    assert b_customer.name == "Dana Whitlock of B"
    assert "Whitlock" in database_text(b_customer.business)


def test_pending_emails_are_cancelled_and_old_links_stop_working(world, mia, client_of, mailoutbox):
    dana = world.dana
    old_token = dana.answered_invitation.token
    assert Client().get(f"/i/{old_token}/").status_code != 404

    erase_api(client_of(mia), dana.customer)

    scheduled = Invitation.objects.get(pk=dana.scheduled_invitation.pk)
    assert scheduled.status == InvitationStatus.SKIPPED
    assert scheduled.token != dana.scheduled_invitation.token
    request = ReviewRequest.objects.get(pk=dana.review_request.pk)
    assert request.status == RequestStatus.FAILED and request.token != dana.review_request.token
    assert Client().get(f"/i/{old_token}/").status_code == 404
    assert Client().get(f"/r/{dana.review_request.token}/").status_code == 404
    Invitation.objects.filter(pk=scheduled.pk).update(send_at=scheduled.created_at)
    send_due_invitations()
    assert review_request_send(request_id=request.pk) is False
    assert not [m for m in mailoutbox if DANA["email"] in m.to]


def test_it_is_recorded_without_personal_data(world, mia, client_of):
    reply = erase_api(client_of(mia), world.dana.customer)

    assert reply.status_code == 200
    body = reply.json()
    erasure = Erasure.objects.get()
    assert body["uuid"] == str(erasure.uuid) and body["erased_by"] == "mia@a.example"
    assert body["customer"] == str(world.dana.customer.uuid)
    assert body["counts"]["answers"] == 2  # the linked comment and the one left by e-mail
    assert body["counts"]["customers"] == 1 and body["counts"]["invitations_cancelled"] == 1
    entry = AuditEntry.objects.get(action="customer.erase")
    assert (entry.actor, entry.target) == (mia, str(world.dana.customer.uuid))
    assert entry.detail["counts"] == erasure.counts
    recorded = json.dumps([body, entry.detail, entry.target])
    assert not any(marker in recorded for marker in DANA_MARKERS)


def test_asking_twice_changes_nothing_and_records_once(world, mia, client_of):
    client = client_of(mia)
    first = erase_api(client, world.dana.customer).json()
    state = database_text(world.business)

    second = erase_api(client, world.dana.customer).json()

    assert second == first
    assert Erasure.objects.count() == 1
    assert AuditEntry.objects.filter(action="customer.erase").count() == 1
    assert database_text(world.business) == state


def test_words_recorded_after_an_erasure_are_erased_by_the_next(world, mia, bob, client_of):
    from feedback.interactions.services import interaction_log

    client = client_of(mia)
    erase_api(client, world.dana.customer)
    interaction_log(
        business=world.business, staff=bob, channel="phone", customer=world.dana.customer,
        note="Whitlock rang again.",
    )  # fmt: skip

    second = erase_api(client, world.dana.customer).json()

    assert second["counts"]["interaction_notes"] == 1
    assert Erasure.objects.count() == 2
    assert "Whitlock" not in database_text(world.business)


def test_it_is_one_transaction(world, mia, monkeypatch):
    """A failure at the last place leaves every earlier place as it was."""
    places = list(anonymise_module.PLACES)

    def broken(scope):
        raise RuntimeError("the database went away")

    places[-1] = anonymise_module.Place("customers", broken, places[-1].changes)
    monkeypatch.setattr(anonymise_module, "PLACES", tuple(places))
    before = database_text(world.business)

    with pytest.raises(RuntimeError):
        customer_erase(business=world.business, customer=world.dana.customer, actor=mia)

    assert database_text(world.business) == before
    assert not Erasure.objects.exists()


def test_the_import_files_that_may_hold_their_row_are_cleared(world, mia, client_of):
    waiting = CustomerImport.objects.create(
        business=world.business, file_name="next.csv", content=b"name\nZed\n"
    )  # an upload still waiting for its mapping needs its file

    erase_api(client_of(mia), world.dana.customer)

    done = CustomerImport.objects.get(pk=world.import_job.pk)
    assert (bytes(done.content), done.refusals, done.taken) == (b"", [], world.import_job.taken)
    assert bytes(CustomerImport.objects.get(pk=waiting.pk).content) == b"name\nZed\n"


def test_the_pages_still_show_after_erasure(world, mia, client_of):
    client = client_of(mia)
    erase_api(client, world.dana.customer)
    dana = world.dana.customer
    case = FollowUpCase.objects.filter(customer=dana).first()
    alert = Alert.objects.filter(business=world.business, source="feedback.Answer").first()
    interaction = Interaction.objects.filter(customer=dana).get()
    pages = [
        "/dashboard/", "/journeys/", "/interactions/", "/cases/", "/insights/alerts/",
        f"/customers/{dana.uuid}/", f"/cases/{case.uuid}/", f"/insights/alerts/{alert.uuid}/",
        f"/interactions/{interaction.uuid}/", "/customers/",
    ]  # fmt: skip
    for page in pages:
        reply = client.get(page)
        assert reply.status_code == 200, page
        assert "Whitlock" not in reply.content.decode(), page
    assert "Erased customer" in client.get(f"/customers/{dana.uuid}/").content.decode()


def test_the_erase_page_asks_for_confirmation(world, mia, client_of):
    client = client_of(mia)
    dana = world.dana.customer
    page = client.get(f"/customers/{dana.uuid}/erase/")
    assert page.status_code == 200
    assert 'name="confirm"' in page.content.decode()
    assert (
        f'href="/customers/{dana.uuid}/erase/"'
        in client.get(f"/customers/{dana.uuid}/").content.decode()
    )

    refused = erase_page(client, dana)

    assert refused.status_code == 400
    assert "Tick the box to confirm the erasure." in refused.content.decode()
    assert Customer.objects.get(pk=dana.pk).name == DANA["name"]


def test_staff_cannot_erase(world, bob, client_of):
    client = client_of(bob)
    dana = world.dana.customer
    assert client.get(f"/customers/{dana.uuid}/erase/").status_code == 403
    assert erase_page(client, dana, confirm="on").status_code == 403
    assert erase_api(client, dana).status_code == 403
    assert Customer.objects.get(pk=dana.pk).name == DANA["name"]
    assert not Erasure.objects.exists()


def test_outsiders_get_404_and_change_nothing(world, charlie, client_of):
    client = client_of(charlie)
    dana = world.dana.customer
    before = database_text(world.business)
    assert client.get(f"/customers/{dana.uuid}/erase/").status_code == 404
    assert erase_page(client, dana, confirm="on").status_code == 404
    assert erase_api(client, dana).status_code == 404
    _, b_key = api_key_create(business=world.b_customer.business, name="B", scope="write",
                              created_by=charlie)  # fmt: skip
    assert erase_api(Client(), dana, HTTP_AUTHORIZATION=f"Api-Key {b_key}").status_code == 404
    assert database_text(world.business) == before


def test_api_keys_erase_only_with_write_access(world, alice):
    _, read_key = api_key_create(business=world.business, name="Reader", created_by=alice)
    _, write_key = api_key_create(
        business=world.business, name="Writer", scope="write", created_by=alice
    )
    dana = world.dana.customer
    assert erase_api(Client(), dana, HTTP_AUTHORIZATION=f"Api-Key {read_key}").status_code == 403
    assert not Erasure.objects.exists()

    reply = erase_api(Client(), dana, HTTP_AUTHORIZATION=f"Api-Key {write_key}")

    assert reply.status_code == 200 and reply.json()["erased_by"] is None
    entry = AuditEntry.objects.get(action="customer.erase")
    assert entry.actor is None and entry.detail["api_key"] == write_key.split("_")[1]


def test_an_answer_left_only_with_their_email_is_found(world, mia, client_of):
    by_email = Response.objects.filter(contact_email__iexact=DANA["email"]).get()
    assert by_email.customer_id is None

    erase_api(client_of(mia), world.dana.customer)

    by_email.refresh_from_db()
    assert by_email.contact_email == "" and by_email.contact_requested
    assert set(by_email.answers.values_list("text", flat=True)) == {""}
    assert by_email.answers.filter(number=9).exists()  # the score stays


def test_the_record_outlives_the_customer_row(world, mia, client_of):
    client = client_of(mia)
    erase_api(client, world.dana.customer)

    client.post(f"/customers/{world.dana.customer.uuid}/delete/")

    erasure = Erasure.objects.get()
    assert erasure.customer is None and erasure.counts["customers"] == 1
    assert AuditEntry.objects.filter(action="customer.erase").exists()


def test_the_number_of_queries_does_not_grow_with_the_data(
    world, mia, bob, client_of, django_capture_on_commit_callbacks
):
    """Dana and Eli have the same kinds of data; Eli fifteen times more of it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .test_export import add_history

    with django_capture_on_commit_callbacks(execute=True):
        add_history(world, world.eli.customer, bob, times=15)
    CustomerImport.objects.all().delete()  # shared by both: only the first erasure would clear it
    client = client_of(mia)
    counted = []
    for person in (world.dana, world.eli):
        with CaptureQueriesContext(connection) as erasing:
            counts = erase_api(client, person.customer).json()["counts"]
        counted.append(len(erasing.captured_queries))
    assert counts["answers"] == 2 + 15 and counts["interaction_notes"] == 1 + 15
    assert counted[0] == counted[1]
