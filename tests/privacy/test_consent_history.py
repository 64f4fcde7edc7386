"""Every change of consent is kept with its time and source, from every place it can
change (staff forms, the API, CSV imports, a survey answer, unsubscribe links), and the
customer page shows the history to the business and to nobody else."""

from __future__ import annotations

import json
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.services import api_key_create
from customers.models import ConsentChange, ConsentEvent, ConsentSource, Customer
from feedback.antiabuse import STARTED_FIELD, form_started_token
from feedback.channels.invitations import invitations_create
from reputation.models import ReviewRequest
from reputation.review_requests import review_requests_create
from reputation.sources.services import source_create
from tests.factories import CustomerFactory
from tests.helpers import answer

pytestmark = pytest.mark.django_db


def history(customer: Customer) -> list[tuple[str, str]]:
    """(change, source), oldest first."""
    events = ConsentEvent.objects.filter(customer=customer).order_by("created_at", "id")
    return list(events.values_list("change", "source"))


def latest(customer: Customer) -> ConsentEvent:
    return ConsentEvent.objects.filter(customer=customer).latest("created_at", "id")


def assert_matches_the_customer(customer: Customer) -> None:
    """The customer's own consent fields are the newest event's."""
    customer.refresh_from_db()
    event = latest(customer)
    assert customer.consent_recorded_at == event.created_at
    assert customer.consent_source == event.source
    assert event.business_id == customer.business_id


def form(customer: Customer, **changes) -> dict:
    data = {"name": customer.name, "email": customer.email, "phone": "", "tags": ""}
    return {**data, **changes}


class TestStaffForms:
    def test_the_new_customer_form_records_who_took_the_consent(self, bob, business_a, client_of):
        reply = client_of(bob).post(
            "/customers/new/",
            {"name": "Fay", "email": "fay@example.net", "consent_to_contact": "on"},
        )
        assert reply.status_code == 302
        fay = Customer.objects.get(email="fay@example.net")
        assert history(fay) == [(ConsentChange.AGREED, ConsentSource.STAFF)]
        assert latest(fay).actor == bob
        assert_matches_the_customer(fay)

    def test_no_consent_given_is_no_event(self, bob, client_of):
        client_of(bob).post("/customers/new/", {"name": "Gus", "email": "gus@example.net"})
        assert history(Customer.objects.get(email="gus@example.net")) == []

    def test_each_change_on_the_edit_form_is_kept_and_saving_unchanged_adds_none(
        self, alice, mia, business_a, client_of
    ):
        hal = CustomerFactory(business=business_a, email="hal@example.net")
        edit = f"/customers/{hal.uuid}/edit/"
        assert client_of(alice).post(edit, form(hal, consent_to_contact="on")).status_code == 302
        client_of(alice).post(edit, form(hal, consent_to_contact="on"))  # unchanged
        assert client_of(mia).post(edit, form(hal)).status_code == 302
        assert history(hal) == [
            (ConsentChange.AGREED, ConsentSource.STAFF),
            (ConsentChange.WITHDRAWN, ConsentSource.STAFF),
        ]
        assert latest(hal).actor == mia
        assert_matches_the_customer(hal)


class TestApi:
    def test_create_and_change_through_the_api(self, mia, business_a, client_of):
        client = client_of(mia)
        made = client.post(
            "/api/v1/customers/",
            json.dumps({"email": "ivy@example.net", "consent_to_contact": True}),
            "application/json",
        )
        assert made.status_code == 201, made.content
        ivy = Customer.objects.get(uuid=made.json()["uuid"])
        changed = client.patch(
            f"/api/v1/customers/{ivy.uuid}/", json.dumps({"consent_to_contact": False}),
            "application/json",
        )  # fmt: skip
        assert changed.status_code == 200, changed.content
        assert history(ivy) == [
            (ConsentChange.AGREED, ConsentSource.API),
            (ConsentChange.WITHDRAWN, ConsentSource.API),
        ]
        assert latest(ivy).actor == mia
        assert_matches_the_customer(ivy)

    def test_an_api_key_records_no_person(self, business_a):
        _, key = api_key_create(business=business_a, name="Till", scope="write", created_by=None)
        body = json.dumps({"email": "jo@example.net", "consent_to_contact": True})
        made = Client().post(
            "/api/v1/customers/", body, "application/json", HTTP_AUTHORIZATION=f"Api-Key {key}"
        )
        assert made.status_code == 201, made.content
        event = latest(Customer.objects.get(email="jo@example.net"))
        assert (event.source, event.actor) == (ConsentSource.API, None)


def test_an_import_keeps_each_answer_of_its_consent_column(
    alice, business_a, client_of, django_capture_on_commit_callbacks
):
    known = CustomerFactory(business=business_a, email="kim@example.net", consent_to_contact=False)
    csv = (
        "Name,Email,Opt in\r\n"
        "Lee,lee@example.net,yes\r\n"
        "Max,max@example.net,no\r\n"
        "Kim,kim@example.net,yes\r\n"  # known: the import does not change her consent
    )
    client = client_of(alice)
    upload = client.post(
        "/customers/import/", {"file": SimpleUploadedFile("till <march>.csv", csv.encode())}
    )
    assert upload.status_code == 302
    job = upload.url.rstrip("/").split("/")[-1]
    mapping = {"map_name": "Name", "map_email": "Email", "map_consent": "Opt in"}
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            f"/customers/imports/{job}/", {"day_first": "1", "currency": "EUR", **mapping}
        )
    assert started.status_code == 302
    lee, max_ = (Customer.objects.get(email=e) for e in ("lee@example.net", "max@example.net"))
    assert history(lee) == [(ConsentChange.AGREED, ConsentSource.IMPORT)]
    assert history(max_) == [(ConsentChange.WITHDRAWN, ConsentSource.IMPORT)]
    assert history(known) == []
    assert (latest(lee).actor, latest(lee).detail) == (alice, "till <march>.csv")
    assert_matches_the_customer(lee)
    assert_matches_the_customer(max_)
    page = client.get(f"/customers/{lee.uuid}/").content.decode()
    assert "till &lt;march&gt;.csv" in page and "till <march>" not in page


class TestTheCustomersOwnWords:
    def test_asking_to_be_contacted_about_an_answer_is_kept_and_changes_nothing_else(
        self, survey_a, business_a
    ):
        nia = CustomerFactory(business=business_a, email="nia@example.net", consent_to_contact=True)
        (invitation,) = invitations_create(survey=survey_a, customers=[nia]).invitations
        nps = survey_a.questions.get(kind="nps")
        reply = Client().post(
            f"/i/{invitation.token}/",
            {f"q-{nps.uuid}": "3", "contact_requested": "on", "contact_email": "nia@example.net",
             STARTED_FIELD: form_started_token(at=time.time() - 30)},
        )  # fmt: skip
        assert reply.status_code == 302, reply.content
        assert history(nia) == [(ConsentChange.ASKED_ABOUT_ANSWER, ConsentSource.SURVEY)]
        assert latest(nia).detail == survey_a.name
        nia.refresh_from_db()
        assert nia.consent_to_contact and nia.consent_recorded_at is None  # unchanged

    def test_an_anonymous_answer_touches_no_customer(self, survey_a, business_a):
        CustomerFactory(business=business_a, email="oz@example.net")
        # Anyone can type anyone's address into a public form: it proves no consent.
        answer(survey_a, 2, "Cold", contact_requested=True, contact_email="oz@example.net")
        assert not ConsentEvent.objects.exists()

    def test_unsubscribe_links_record_once_where_it_came_from(
        self, survey_a, business_a, django_capture_on_commit_callbacks
    ):
        pam = CustomerFactory(business=business_a, email="pam@example.net", consent_to_contact=True)
        google = source_create(
            business=business_a, provider="manual",
            values={"name": "Google <maps>", "review_page_url": "https://g.page/r/x/review"},
        )  # fmt: skip
        (invitation,) = invitations_create(survey=survey_a, customers=[pam]).invitations
        with django_capture_on_commit_callbacks(execute=False):
            review_requests_create(
                business=business_a, source=google, audience="everyone", days=None
            )
        request = ReviewRequest.objects.get(customer=pam)
        assert Client().post(f"/u/{invitation.token}/").status_code == 200
        assert Client().post(f"/u/{invitation.token}/").status_code == 200  # a second click
        assert Client().post(f"/reviews/r/{request.token}/unsubscribe/").status_code == 200
        assert Client().get(f"/u/{invitation.token}/").status_code == 200  # asks, changes nothing
        assert history(pam) == [(ConsentChange.UNSUBSCRIBED, ConsentSource.UNSUBSCRIBE)]
        assert latest(pam).detail == f"Survey invitation: {survey_a.name}"
        assert latest(pam).actor is None
        assert_matches_the_customer(pam)

    def test_the_review_request_link_names_its_site(self, business_a):
        quinn = CustomerFactory(business=business_a, email="q@example.net", consent_to_contact=True)
        google = source_create(
            business=business_a, provider="manual",
            values={"name": "Tripadvisor", "review_page_url": "https://t.example/review"},
        )  # fmt: skip
        review_requests_create(business=business_a, source=google, audience="everyone", days=None)
        token = ReviewRequest.objects.get(customer=quinn).token
        assert Client().post(f"/reviews/r/{token}/unsubscribe/").status_code == 200
        assert latest(quinn).detail == "Review request: Tripadvisor"


class TestTheCustomerPage:
    @pytest.fixture
    def rae(self, alice, business_a, client_of):
        rae = CustomerFactory(business=business_a, name="Rae", email="rae@example.net")
        edit = f"/customers/{rae.uuid}/edit/"
        client_of(alice).post(edit, form(rae, consent_to_contact="on"))
        client_of(alice).post(edit, form(rae))
        return rae

    def test_everyone_in_the_business_sees_the_history_newest_first(
        self, rae, alice, bob, client_of
    ):
        page = client_of(bob).get(f"/customers/{rae.uuid}/")
        assert page.status_code == 200
        rows = list(page.context["consent_history"])
        assert [(e.change, e.source) for e in rows] == list(reversed(history(rae)))
        html = page.content.decode()
        table = html[html.index('id="consent-history"') :]
        for event in rows:
            assert event.get_change_display() in table
            assert event.get_source_display() in table
            assert event.created_at.strftime("%Y-%m-%dT%H:%M:%S") in table
        assert table.index("Withdrew consent") < table.index("Agreed to be contacted")
        assert str(alice) in table
        assert "Not sent: Did not agree to be contacted." in html

    def test_an_outsider_gets_404_and_the_api_hides_them_too(
        self, rae, charlie, business_b, client_of
    ):
        client = client_of(charlie)
        assert client.get(f"/customers/{rae.uuid}/").status_code == 404
        assert client.get(f"/api/v1/customers/{rae.uuid}/").status_code == 404
        edit = client.post(f"/customers/{rae.uuid}/edit/", form(rae, consent_to_contact="on"))
        assert edit.status_code == 404
        assert len(history(rae)) == 2
