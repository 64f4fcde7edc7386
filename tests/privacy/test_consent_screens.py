"""Where someone could contact a customer, the screen says whether they may and why not,
and the API refuses by field: the invitation form and API, the follow-up case page and
API, the customers API and the review request form."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client
from django.utils import timezone

from customers.consent import NO_CONSENT, NO_EMAIL, OPTED_OUT, REFUSALS
from feedback.antiabuse import STARTED_FIELD, form_started_token
from feedback.channels.invitations import invitations_create
from feedback.interactions.services import interaction_log
from feedback.models import FollowUpCase, InteractionChannel, Invitation
from reputation.sources.services import source_create
from tests.factories import CustomerFactory
from tests.helpers import answer

pytestmark = pytest.mark.django_db


def reason(key: str) -> str:
    return str(REFUSALS[key])


@pytest.fixture
def people(business_a):
    return {
        "ann": CustomerFactory(
            business=business_a, name="Ann <i>", email="ann@example.net", phone="+34 611",
            consent_to_contact=True,
        ),
        "ben": CustomerFactory(
            business=business_a, name="Ben", email="ben@example.net", phone="+34 622"
        ),
        "cy": CustomerFactory(
            business=business_a, name="Cy", email="cy@example.net", consent_to_contact=True,
            email_opt_out_at=timezone.now(),
        ),
    }  # fmt: skip


class TestInvitations:
    def test_the_form_says_who_was_not_invited_and_why(self, survey_a, people, alice, client_of):
        client = client_of(alice)
        emails = "ANN@example.net\nben@example.net\ncy@example.net\nstranger@example.net"
        reply = client.post(f"/surveys/{survey_a.uuid}/invite/", {"emails": emails}, follow=True)
        assert reply.status_code == 200
        said = [str(m) for m in reply.context["messages"]]
        assert said[:2] == ["1 invitation on its way.", "3 not sent (see why below)."]
        assert f"Not sent to Ben: {reason(NO_CONSENT)}" in said
        assert f"Not sent to Cy: {reason(OPTED_OUT)}" in said
        assert "Not one of your customers (add them first): stranger@example.net" in said
        html = reply.content.decode()
        assert f"Not sent to Ben: {reason(NO_CONSENT)}" in html
        # The table of invitations repeats the reason beside each name, escaped.
        assert "Ann &lt;i&gt;" in html and "<i>" not in html.split("<main")[1]

    def test_the_api_names_the_customers_it_will_not_email(self, survey_a, people, mia, client_of):
        ann, ben, cy = people["ann"], people["ben"], people["cy"]
        body = {
            "survey": str(survey_a.uuid),
            "customers": [str(ann.uuid), str(ben.uuid), str(cy.uuid)],
        }
        reply = client_of(mia).post("/api/v1/invitations/", json.dumps(body), "application/json")
        assert reply.status_code == 400, reply.content
        errors = reply.json()["errors"]
        assert list(errors) == ["customers"]
        assert sorted(errors["customers"]) == sorted(
            [f"{ben.uuid}: {reason(NO_CONSENT)}", f"{cy.uuid}: {reason(OPTED_OUT)}"]
        )
        assert not Invitation.objects.exists()  # all or nothing
        body["customers"] = [str(ann.uuid)]
        ok = client_of(mia).post("/api/v1/invitations/", json.dumps(body), "application/json")
        assert ok.status_code == 201, ok.content

    def test_an_outsider_cannot_invite_anyone(
        self, survey_a, people, charlie, business_b, client_of
    ):
        client = client_of(charlie)
        form = client.post(f"/surveys/{survey_a.uuid}/invite/", {"emails": "ann@example.net"})
        assert form.status_code == 404
        body = {"survey": str(survey_a.uuid), "customers": [str(people["ann"].uuid)]}
        api = client.post("/api/v1/invitations/", json.dumps(body), "application/json")
        assert api.status_code == 400 and set(api.json()["errors"]) == {"survey", "customers"}
        assert not Invitation.objects.exists()


def staff_case(business, staff, customer) -> FollowUpCase:
    interaction = interaction_log(
        business=business, staff=staff, customer=customer, channel=InteractionChannel.PHONE,
        note="Wants a call back about the broken grinder.", follow_up_needed=True,
    )  # fmt: skip
    return FollowUpCase.objects.get(interaction=interaction)


def detractor_case(survey, **contact) -> FollowUpCase:
    return FollowUpCase.objects.get(response=answer(survey, 2, **contact))


def contact_cell(html: str) -> str:
    start = html.index('id="case-contact"')
    return html[start : html.index("</dd>", start)]


class TestCases:
    def test_a_customer_who_agreed_can_be_reached(self, business_a, bob, people, alice, client_of):
        case = staff_case(business_a, bob, people["ann"])
        cell = contact_cell(client_of(alice).get(f"/cases/{case.uuid}/").content.decode())
        assert 'href="mailto:ann@example.net"' in cell and 'href="tel:+34 611"' in cell
        assert "Do not contact" not in cell

    @pytest.mark.parametrize(("who", "key"), [("ben", NO_CONSENT), ("cy", OPTED_OUT)])
    def test_the_page_says_why_not_and_offers_no_link(
        self, business_a, bob, people, alice, client_of, who, key
    ):
        case = staff_case(business_a, bob, people[who])
        html = client_of(bob).get(f"/cases/{case.uuid}/").content.decode()
        cell = contact_cell(html)
        assert "Do not contact" in cell and reason(key) in cell
        assert "mailto:" not in html and "tel:" not in html
        api = client_of(alice).get(f"/api/v1/cases/{case.uuid}/")
        assert api.json()["contact_refusal"] == reason(key)

    def test_an_anonymous_customer_who_asked_is_reached_at_the_address_they_gave(
        self, survey_a, alice, client_of
    ):
        asked = detractor_case(survey_a, contact_requested=True, contact_email="zed@example.net")
        silent = detractor_case(survey_a)
        client = client_of(alice)
        cell = contact_cell(client.get(f"/cases/{asked.uuid}/").content.decode())
        assert 'href="mailto:zed@example.net"' in cell
        silent_cell = contact_cell(client.get(f"/cases/{silent.uuid}/").content.decode())
        assert "Do not contact" in silent_cell and "Anonymous" in silent_cell
        listed = {
            c["uuid"]: c["contact_refusal"] for c in client.get("/api/v1/cases/").json()["results"]
        }
        assert listed[str(asked.uuid)] == "" and "Anonymous" in listed[str(silent.uuid)]

    def test_an_address_given_without_asking_to_be_contacted_is_not_a_way_to_reach_them(
        self, survey_a, alice, client_of
    ):
        """A survey that takes no anonymous answers asks every customer's e-mail; giving
        it is not asking to hear back, and the page says so rather than "anonymous"."""
        survey_a.allow_anonymous = False
        survey_a.save()
        case = detractor_case(survey_a, contact_email="walker@example.net")
        html = client_of(alice).get(f"/cases/{case.uuid}/").content.decode()
        cell = contact_cell(html)
        assert "Do not contact" in cell and "did not ask to be contacted" in cell
        assert "mailto:" not in html and "Anonymous" not in html
        assert "No customer record linked" in html and "answered anonymously" not in html

    def test_a_request_to_hear_back_ends_with_a_later_unsubscribe(
        self, survey_a, people, alice, client_of
    ):
        ann = people["ann"]
        (invitation,) = invitations_create(survey=survey_a, customers=[ann]).invitations
        nps = survey_a.questions.get(kind="nps")
        Client().post(
            f"/i/{invitation.token}/",
            {f"q-{nps.uuid}": "1", "contact_requested": "on", "contact_email": ann.email,
             STARTED_FIELD: form_started_token(at=time.time() - 30)},
        )  # fmt: skip
        case = FollowUpCase.objects.get(response__invitation=invitation)
        page = f"/cases/{case.uuid}/"
        assert "mailto:ann@example.net" in contact_cell(client_of(alice).get(page).content.decode())
        assert Client().post(f"/u/{invitation.token}/").status_code == 200
        cell = contact_cell(client_of(alice).get(page).content.decode())
        assert "Do not contact" in cell and reason(OPTED_OUT) in cell

    def test_an_outsider_gets_404(self, business_a, bob, people, charlie, business_b, client_of):
        case = staff_case(business_a, bob, people["ann"])
        client = client_of(charlie)
        assert client.get(f"/cases/{case.uuid}/").status_code == 404
        assert client.get(f"/api/v1/cases/{case.uuid}/").status_code == 404


def test_the_customers_api_says_who_may_be_emailed(
    people, business_a, mia, charlie, business_b, client_of
):
    CustomerFactory(business=business_a, name="Dee", email="", consent_to_contact=True)
    rows = client_of(mia).get("/api/v1/customers/").json()["results"]
    by_name = {row["name"]: row["contact_refusal"] for row in rows}
    assert by_name == {
        "Ann <i>": "", "Ben": reason(NO_CONSENT), "Cy": reason(OPTED_OUT), "Dee": reason(NO_EMAIL),
    }  # fmt: skip
    assert client_of(charlie).get("/api/v1/customers/").json()["results"] == []


def test_the_review_request_form_counts_the_skipped_by_reason(
    business_a, people, alice, charlie, business_b, client_of
):
    google = source_create(
        business=business_a, provider="manual",
        values={"name": "Google", "review_page_url": "https://g.page/r/x/review"},
    )  # fmt: skip
    page = client_of(alice).get(
        "/reviews/requests/", {"source": str(google.uuid), "audience": "everyone"}
    )
    assert page.status_code == 200
    skipped = page.content.decode().split('id="plan-skipped"')[1].split("</dl>")[0]
    assert f'<dt>{reason(NO_CONSENT)}</dt><dd data-reason="{NO_CONSENT}">1</dd>' in skipped
    assert f'<dt>{reason(OPTED_OUT)}</dt><dd data-reason="{OPTED_OUT}">1</dd>' in skipped
    assert page.context["plan"].asked == 1
    outsider = client_of(charlie).get(
        "/reviews/requests/", {"source": str(google.uuid), "audience": "everyone"}
    )
    assert outsider.status_code == 400 and "source" in outsider.context["form"].errors
