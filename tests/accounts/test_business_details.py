"""The owner names the business, its industry and its language: on the settings page and
by the API, audited, each bad value refused by name with nothing changed; the language
speaks on the survey pages and the industry orders the survey templates."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.business_settings import business_settings_update
from accounts.models import AuditEntry, Business
from cxplatform.errors import ApplicationError
from feedback.catalog import template_choices

pytestmark = pytest.mark.django_db

SETTINGS_PAGE = "/accounts/settings/"
SETTINGS_API = "/api/v1/business-settings/"
ORIGINAL = ("Alice's Café", "food_drink", "en")


def details_of(business: Business) -> tuple[str, str, str]:
    fresh = Business.objects.get(pk=business.pk)
    return fresh.name, fresh.industry, fresh.language


def patch(client: Client, body: dict):
    return client.patch(SETTINGS_API, data=json.dumps(body), content_type="application/json")


def settings_changes(business: Business) -> list[dict]:
    entries = AuditEntry.objects.filter(business=business, action="business.settings")
    return [entry.detail for entry in entries.order_by("created_at", "pk")]


def test_the_owner_renames_the_business_and_sets_its_industry_and_language(
    alice, business_a, client_of
):
    client = client_of(alice)
    page = client.get(SETTINGS_PAGE).content.decode()
    assert 'value="Alice&#x27;s Café"' in page
    assert '<option value="food_drink" selected>' in page
    assert '<option value="en" selected>' in page

    saved = client.post(
        SETTINGS_PAGE, {"name": "  Alice's Bakery ", "industry": "retail", "language": "es"}
    )

    assert saved.status_code == 302
    assert details_of(business_a) == ("Alice's Bakery", "retail", "es")
    assert settings_changes(business_a) == [
        {
            "name": {"from": "Alice's Café", "to": "Alice's Bakery"},
            "industry": {"from": "food_drink", "to": "retail"},
            "language": {"from": "en", "to": "es"},
        }
    ]
    assert "Alice&#x27;s Bakery" in client.get(SETTINGS_PAGE).content.decode()


def test_saving_the_same_details_changes_and_audits_nothing(alice, business_a, client_of):
    client = client_of(alice)
    same = {"name": " Alice's Café", "industry": "food_drink", "language": "en"}
    assert client.post(SETTINGS_PAGE, same).status_code == 302
    assert patch(client, same).status_code == 200
    assert details_of(business_a) == ORIGINAL and settings_changes(business_a) == []


def test_a_name_with_markup_is_kept_as_given_and_shown_escaped(alice, business_a, client_of):
    client = client_of(alice)
    assert client.post(SETTINGS_PAGE, {"name": "<b>Bold</b> & Co"}).status_code == 302

    assert details_of(business_a)[0] == "<b>Bold</b> & Co"
    page = client.get(SETTINGS_PAGE).content.decode()
    assert "<b>Bold</b>" not in page and "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in page


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", ""), ("name", "   "), ("name", "x" * 201), ("name", "Café\r\nBcc: x@example.com"),
     ("name", "Café\tSol"), ("industry", "bakery"), ("industry", ""), ("language", "fr"),
     ("language", "<i>es</i>"), ("time_zone", "")],
)  # fmt: skip
def test_a_bad_detail_on_the_page_is_refused_by_name_with_nothing_changed(
    alice, business_a, client_of, field, value
):
    body = {"name": "New name", "industry": "retail", "language": "es", "retention_months": "6"}
    reply = client_of(alice).post(SETTINGS_PAGE, {**body, field: value})

    page = reply.content.decode()
    assert reply.status_code == 400
    assert set(reply.context["form"].errors) == {field}
    assert f'href="#id_{field}"' in page  # the summary at the top leads to the field
    assert "<i>es</i>" not in page
    assert details_of(business_a) == ORIGINAL
    assert Business.objects.get(pk=business_a.pk).retention_months is None
    assert not AuditEntry.objects.filter(action="business.settings").exists()


def test_the_api_reads_and_changes_the_details(alice, business_a, client_of):
    client = client_of(alice)
    read = client.get(SETTINGS_API).json()
    assert (read["name"], read["industry"], read["language"]) == ORIGINAL

    reply = patch(client, {"name": "Alice's Bakery", "language": "es"})

    assert reply.status_code == 200
    assert (reply.json()["name"], reply.json()["language"]) == ("Alice's Bakery", "es")
    assert details_of(business_a) == ("Alice's Bakery", "food_drink", "es")
    assert patch(client, {"industry": "beauty"}).json()["industry"] == "beauty"
    assert [set(change) for change in settings_changes(business_a)] == [
        {"name", "language"}, {"industry"},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", ""), ("name", None), ("name", "x" * 201), ("name", ["Café"]),
     ("name", "Café\nSol"), ("industry", "bakery"), ("industry", None), ("language", "fr"),
     ("language", 5)],
)  # fmt: skip
def test_the_api_names_a_bad_detail_and_changes_nothing(alice, business_a, client_of, field, value):
    reply = patch(client_of(alice), {"name": "New", "retention_months": 6, field: value})

    assert reply.status_code == 400
    assert list(reply.json()["errors"]) == [field]
    assert details_of(business_a) == ORIGINAL
    assert Business.objects.get(pk=business_a.pk).retention_months is None


def test_the_api_names_every_bad_field_at_once(alice, business_a, client_of):
    body = {"name": " ", "time_zone": "Mars/Olympus", "brand_colour": "nope", "language": "fr"}
    reply = patch(client_of(alice), body)

    assert reply.status_code == 400
    errors = reply.json()["errors"]
    assert set(errors) == {"name", "time_zone", "brand_colour", "language"}
    assert errors["name"] == ["Give your business a name of at most 200 characters."]
    assert details_of(business_a) == ORIGINAL


def test_the_settings_page_shows_each_detail_as_required(alice, business_a, client_of):
    page = client_of(alice).get(SETTINGS_PAGE).content.decode()
    for field in ("name", "industry", "language", "time_zone"):
        label = page.split(f'<label for="id_{field}"', 1)[1].split("</label>", 1)[0]
        assert "optional" not in label, field
    retention = page.split('<label for="id_retention_months"', 1)[1].split("</label>", 1)[0]
    assert "optional" in retention


def test_the_service_names_every_field_it_refuses(alice, business_a):
    with pytest.raises(ApplicationError) as refused:
        business_settings_update(
            business=business_a, actor=alice, name=" ", language="fr", industry="retail",
            time_zone="Mars/Olympus", retention_months=0,
        )  # fmt: skip

    assert set(refused.value.errors) == {"name", "language", "time_zone", "retention_months"}
    assert details_of(business_a) == ORIGINAL and not AuditEntry.objects.exists()
    with pytest.raises(TypeError, match="brand_colour"):  # not one of these settings
        business_settings_update(business=business_a, actor=alice, brand_colour="#ffffff")


def test_only_the_owner_of_the_business_changes_its_details(
    mia, bob, charlie, business_a, business_b, client_of
):
    for user in (mia, bob):
        client = client_of(user)
        assert client.post(SETTINGS_PAGE, {"name": "Taken over"}).status_code == 403
        assert patch(client, {"name": "Taken over"}).status_code == 403
    outsider = client_of(charlie)  # owns business B: renames B, never A
    assert outsider.post(SETTINGS_PAGE, {"name": "Salon C"}).status_code == 302
    assert patch(outsider, {"language": "es"}).status_code == 200
    assert details_of(business_a) == ORIGINAL
    assert details_of(business_b) == ("Salon C", "beauty", "es")


def test_the_business_language_speaks_on_a_survey_page_no_browser_language_names(
    alice, business_a, survey_a, client_of
):
    survey_page = f"/s/{survey_a.uuid}/"
    assert 'lang="en"' in Client().get(survey_page).content.decode()

    client_of(alice).post(SETTINGS_PAGE, {"language": "es"})

    page = Client().get(survey_page).content.decode()
    assert 'lang="es"' in page and "Enviar" in page
    browser = Client(HTTP_ACCEPT_LANGUAGE="en").get(survey_page).content.decode()
    assert 'lang="en"' in browser  # the customer's own browser language still wins


def test_the_business_industry_comes_first_among_the_survey_templates(alice, business_a, client_of):
    def groups_on_the_new_survey_form() -> list[str]:
        page = client_of(alice).get("/surveys/").content.decode()
        return [part.split('"', 1)[0] for part in page.split('<optgroup label="')[1:]]

    assert groups_on_the_new_survey_form()[:2] == ["Start blank", "Food and drink"]

    client_of(alice).post(SETTINGS_PAGE, {"industry": "health"})

    assert groups_on_the_new_survey_form()[:2] == ["Start blank", "Health"]
    assert [group for group, _ in template_choices("beauty")][1] == "Beauty"
    every_group = {group for group, _ in template_choices()}
    assert {group for group, _ in template_choices("health")} == every_group


def test_each_help_text_is_the_one_its_field_points_to(alice, business_a, client_of):
    page = client_of(alice).get(SETTINGS_PAGE).content.decode()
    for field in ("name", "industry", "language", "time_zone", "retention_months"):
        assert f'aria-describedby="id_{field}_helptext"' in page, field
        assert f'<p class="help" id="id_{field}_helptext">' in page, field


def test_a_checkbox_is_not_marked_optional_nor_helped_with_its_own_label(
    alice, survey_a, client_of
):
    page = client_of(alice).get(f"/surveys/{survey_a.uuid}/").content.decode()
    label = page.split('<label for="id_allow_anonymous"', 1)[1].split("</label>", 1)[0]
    assert "optional" not in label
    help_text = page.split('id="id_allow_anonymous_helptext">', 1)[1].split("</p>", 1)[0]
    assert help_text.startswith("Untick to ask every customer for an e-mail address.")


def test_an_error_is_the_one_its_field_points_to(alice, business_a, client_of):
    reply = client_of(alice).post(SETTINGS_PAGE, {"name": "", "retention_months": "0"})
    page = reply.content.decode()
    for field in ("name", "retention_months"):
        assert f'aria-describedby="id_{field}_helptext id_{field}_error"' in page, field
        assert f'<div id="id_{field}_error">' in page, field
