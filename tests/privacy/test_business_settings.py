"""The retention setting and the time zone: the owner's settings page and the API
(owners only)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client

from accounts.business_settings import business_settings_update
from accounts.models import AuditEntry, Business
from accounts.services import api_key_create
from customers.models import Purchase
from feedback.models import Response, Survey
from journeys.models import TouchpointDay
from journeys.rollups import rollup_build
from metrics.models import PurchaseDay
from metrics.purchases import purchase_rollup_build
from tests.factories import CustomerFactory
from tests.helpers import answer

pytestmark = pytest.mark.django_db


def retention_of(business: Business) -> int | None:
    return Business.objects.get(pk=business.pk).retention_months


def patch(client: Client, body: dict, **headers):
    return client.patch(
        "/api/v1/business-settings/", data=json.dumps(body), content_type="application/json",
        **headers,
    )  # fmt: skip


def test_the_owner_sets_and_clears_the_retention_period(alice, business_a, client_of):
    client = client_of(alice)
    assert 'name="retention_months"' in client.get("/accounts/settings/").content.decode()

    saved = client.post("/accounts/settings/", {"retention_months": "18"})

    assert saved.status_code == 302 and retention_of(business_a) == 18
    cleared = client.post("/accounts/settings/", {"retention_months": ""})
    assert cleared.status_code == 302 and retention_of(business_a) is None
    changes = AuditEntry.objects.filter(action="business.settings").order_by("created_at", "pk")
    assert [(e.actor, e.detail["retention_months"]) for e in changes] == [
        (alice, {"from": None, "to": 18}), (alice, {"from": 18, "to": None}),
    ]  # fmt: skip
    assert 'href="/accounts/settings/"' in client.get("/customers/").content.decode()


@pytest.mark.parametrize("value", ["0", "241", "twelve", "-3", "1.5"])
def test_a_bad_period_is_refused_by_name(alice, business_a, client_of, value):
    reply = client_of(alice).post("/accounts/settings/", {"retention_months": value})

    assert reply.status_code == 400
    assert set(reply.context["form"].errors) == {"retention_months"}
    assert "field--error" in reply.content.decode()
    assert retention_of(business_a) is None
    assert not AuditEntry.objects.filter(action="business.settings").exists()


def test_managers_and_staff_cannot_change_it(mia, bob, business_a, client_of):
    for user in (mia, bob):
        client = client_of(user)
        assert client.get("/accounts/settings/").status_code == 403
        assert client.post("/accounts/settings/", {"retention_months": "1"}).status_code == 403
        assert client.get("/api/v1/business-settings/").status_code == 403
        assert patch(client, {"retention_months": 1}).status_code == 403
    assert retention_of(business_a) is None


def test_an_outsider_changes_only_their_own_business(charlie, business_a, business_b, client_of):
    client = client_of(charlie)
    client.post("/accounts/settings/", {"retention_months": "6"})
    patch(client, {"retention_months": 7})

    assert retention_of(business_a) is None and retention_of(business_b) == 7
    assert not AuditEntry.objects.filter(business=business_a).exists()


def test_the_api_reads_and_changes_it(alice, business_a, client_of):
    client = client_of(alice)
    assert client.get("/api/v1/business-settings/").json() == {
        "name": "Alice's Café", "industry": "food_drink", "language": "en",
        "retention_months": None, "brand_colour": None, "logo_url": None, "time_zone": "UTC",
    }  # fmt: skip

    reply = patch(client, {"retention_months": 24})

    assert reply.status_code == 200 and reply.json()["retention_months"] == 24
    assert retention_of(business_a) == 24
    assert patch(client, {}).json()["retention_months"] == 24  # nothing given, nothing changed
    assert patch(client, {"retention_months": None}).json()["retention_months"] is None


@pytest.mark.parametrize("value", [0, 241, "x", 2.5, [], {}])
def test_the_api_names_the_bad_field(alice, business_a, client_of, value):
    reply = patch(client_of(alice), {"retention_months": value})

    assert reply.status_code == 400
    assert list(reply.json()["errors"]) == ["retention_months"]
    assert retention_of(business_a) is None


def test_api_keys_cannot_change_it(alice, business_a):
    _, key = api_key_create(business=business_a, name="Till", scope="write", created_by=alice)
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {key}"}
    assert Client().get("/api/v1/business-settings/", **headers).status_code == 403
    assert patch(Client(), {"retention_months": 1}, **headers).status_code == 403
    assert patch(Client(), {"time_zone": "Asia/Tokyo"}, **headers).status_code == 403
    assert retention_of(business_a) is None and zone_of(business_a) == "UTC"


# --- the time zone -----------------------------------------------------------------------------

LATE_EVENING_UTC = datetime(2025, 1, 10, 23, 30, tzinfo=UTC)  # 12:30 on Saturday in Auckland


def zone_of(business: Business) -> str:
    return Business.objects.get(pk=business.pk).time_zone


def counted_days(business: Business) -> tuple[list[date], list[date]]:
    """The days the purchase and the journey roll-ups hold for the business."""
    purchases = PurchaseDay.objects.filter(business=business, purchases__gt=0)
    purchases = purchases.values_list("day", flat=True)
    voices = TouchpointDay.objects.filter(business=business).values_list("day", flat=True)
    return sorted(set(purchases)), sorted(set(voices))


def a_late_evening_of(business: Business) -> None:
    """A purchase and an answer at 23:30 UTC, counted in both roll-ups."""
    customer = CustomerFactory(business=business)
    Purchase.objects.create(
        business=business, customer=customer, purchased_at=LATE_EVENING_UTC, amount=Decimal("9")
    )
    response = answer(Survey.objects.get(business=business), 9)
    Response.objects.filter(pk=response.pk).update(created_at=LATE_EVENING_UTC)
    response.answers.update(created_at=LATE_EVENING_UTC)
    purchase_rollup_build(business=business)
    rollup_build(business=business)


def test_the_owner_moves_the_business_to_its_time_zone_and_its_days_are_recounted(
    alice, business_a, client_of, django_capture_on_commit_callbacks
):
    a_late_evening_of(business_a)
    assert counted_days(business_a) == ([date(2025, 1, 10)], [date(2025, 1, 10)])
    client = client_of(alice)
    page = client.get("/accounts/settings/").content.decode()
    assert '<option value="UTC" selected>' in page
    assert '<option value="Pacific/Auckland">' in page

    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post("/accounts/settings/", {"time_zone": "Pacific/Auckland"})

    assert saved.status_code == 302 and zone_of(business_a) == "Pacific/Auckland"
    # The rebuilds ran after the commit: both roll-ups count the evening as the next day.
    assert counted_days(business_a) == ([date(2025, 1, 11)], [date(2025, 1, 11)])
    change = AuditEntry.objects.get(action="business.settings")
    assert (change.actor, change.detail) == (
        alice, {"time_zone": {"from": "UTC", "to": "Pacific/Auckland"}}
    )  # fmt: skip
    assert "retention_months" not in change.detail


def test_saving_the_settings_with_the_same_time_zone_recounts_nothing(
    alice, business_a, client_of, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        saved = client_of(alice).post("/accounts/settings/", {"time_zone": "UTC"})
    assert saved.status_code == 302
    assert callbacks == []
    assert not AuditEntry.objects.filter(action="business.settings").exists()


# "localtime" is each machine's own zone; "GB" and "Factory", old aliases.
@pytest.mark.parametrize(
    "value", ["Mars/Olympus", "utc ", "<b>Europe/Madrid</b>", "localtime", "Factory", "GB"]
)
def test_an_unknown_time_zone_is_refused_by_name_with_nothing_changed(
    alice, business_a, client_of, value
):
    reply = client_of(alice).post(
        "/accounts/settings/", {"retention_months": "12", "time_zone": value}
    )
    page = reply.content.decode()
    assert reply.status_code == 400
    assert set(reply.context["form"].errors) == {"time_zone"}
    assert "<b>Europe" not in page  # what was sent is shown escaped, if at all
    assert zone_of(business_a) == "UTC" and retention_of(business_a) is None
    assert not AuditEntry.objects.exists()


def test_the_api_reads_and_changes_the_time_zone(
    alice, business_a, client_of, django_capture_on_commit_callbacks
):
    client = client_of(alice)
    assert client.get("/api/v1/business-settings/").json()["time_zone"] == "UTC"
    a_late_evening_of(business_a)

    with django_capture_on_commit_callbacks(execute=True):
        reply = patch(client, {"time_zone": "Pacific/Auckland"})

    assert reply.status_code == 200 and reply.json()["time_zone"] == "Pacific/Auckland"
    assert counted_days(business_a) == ([date(2025, 1, 11)], [date(2025, 1, 11)])


@pytest.mark.parametrize("value", ["Mars/Olympus", "", None, 5, ["UTC"], " UTC", "localtime"])
def test_the_api_names_a_bad_time_zone_and_keeps_the_rest(alice, business_a, client_of, value):
    reply = patch(client_of(alice), {"retention_months": 12, "time_zone": value})
    assert reply.status_code == 400
    assert list(reply.json()["errors"]) == ["time_zone"]
    assert zone_of(business_a) == "UTC" and retention_of(business_a) is None


def test_only_the_owner_of_the_business_changes_its_time_zone(
    mia, bob, charlie, business_a, business_b, client_of
):
    for user in (mia, bob):
        client = client_of(user)
        assert client.post("/accounts/settings/", {"time_zone": "Asia/Tokyo"}).status_code == 403
        assert patch(client, {"time_zone": "Asia/Tokyo"}).status_code == 403
    outsider = client_of(charlie)  # owns business B: changes B's zone, never A's
    assert outsider.post("/accounts/settings/", {"time_zone": "Asia/Tokyo"}).status_code == 302
    assert patch(outsider, {"time_zone": "Asia/Tokyo"}).status_code == 200
    assert zone_of(business_a) == "UTC" and zone_of(business_b) == "Asia/Tokyo"


def test_a_setting_left_out_of_the_page_is_left_as_it_is(alice, business_a, client_of):
    Business.objects.filter(pk=business_a.pk).update(retention_months=12)
    client = client_of(alice)
    assert client.post("/accounts/settings/", {"time_zone": "Europe/Madrid"}).status_code == 302
    assert retention_of(business_a) == 12 and zone_of(business_a) == "Europe/Madrid"
    assert client.post("/accounts/settings/", {"retention_months": "6"}).status_code == 302
    assert retention_of(business_a) == 6 and zone_of(business_a) == "Europe/Madrid"


def test_a_zone_no_longer_offered_is_kept_until_the_owner_picks_another(
    alice, business_a, client_of, django_capture_on_commit_callbacks
):
    Business.objects.filter(pk=business_a.pk).update(time_zone="GB")  # set before the list
    client = client_of(alice)
    assert '<option value="GB" selected>' in client.get("/accounts/settings/").content.decode()

    with django_capture_on_commit_callbacks() as callbacks:
        saved = client.post("/accounts/settings/", {"retention_months": "6", "time_zone": "GB"})

    assert saved.status_code == 302 and zone_of(business_a) == "GB"
    assert retention_of(business_a) == 6 and callbacks == []  # nothing to recount
    kept = patch(client, {"time_zone": "GB", "retention_months": 7})
    assert kept.status_code == 200 and kept.json()["time_zone"] == "GB"
    assert retention_of(business_a) == 7


def test_a_change_rolled_back_recounts_nothing(
    alice, business_a, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        business_settings_update(business=business_a, actor=alice, time_zone="Asia/Tokyo")
        raise RuntimeError("a later step failed")
    assert callbacks == []
    assert zone_of(business_a) == "UTC" and not AuditEntry.objects.exists()
