"""The survey's look: the owner's colour and logo on the settings page and in the API,
the public logo route, and the themed survey pages."""

from __future__ import annotations

import base64
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from accounts.branding import business_look_update
from accounts.models import AuditEntry, Business, BusinessLogo
from accounts.services import api_key_create
from accounts.theme import contrast_ratio
from cxplatform.demo.logo import solid_png
from feedback.channels.invitations import invitations_create
from feedback.models import SurveyStatus
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

PNG = solid_png(3, 2, (255, 212, 0))
OTHER_PNG = solid_png(3, 2, (20, 20, 200))
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
LOOK_URL = "/accounts/settings/look/"
API_URL = "/api/v1/business-settings/"


def fresh(business: Business) -> Business:
    return Business.objects.get(pk=business.pk)


def upload(name: str, content: bytes, content_type: str = "image/png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_logo(business: Business) -> bytes | None:
    row = BusinessLogo.objects.filter(business=business).first()
    return bytes(row.content) if row else None


def look_changes(business: Business) -> list[dict]:
    entries = AuditEntry.objects.filter(business=business, action="business.settings")
    return [entry.detail for entry in entries.order_by("created_at", "pk")]


def patch(client: Client, body: dict, **headers):
    return client.patch(API_URL, data=json.dumps(body), content_type="application/json", **headers)


# --- The settings page -----------------------------------------------------------------


def test_the_owner_sets_the_colour_and_logo_and_sees_them(alice, business_a, client_of):
    client = client_of(alice)
    page = client.get("/accounts/settings/").content.decode()
    assert 'enctype="multipart/form-data"' in page and 'type="color"' in page
    assert 'name="brand_colour"' in page and 'name="logo"' in page

    saved = client.post(LOOK_URL, {"brand_colour": "#FFD400", "logo": upload("logo.png", PNG)})

    assert saved.status_code == 302 and saved["Location"].endswith(
        "/accounts/settings/#survey-look"
    )
    business = fresh(business_a)
    assert business.brand_colour == "#ffd400"
    assert business.logo_content_type == "image/png" and stored_logo(business) == PNG
    assert look_changes(business) == [
        {"brand_colour": {"from": None, "to": "#ffd400"},
         "logo": {"from": None, "to": business.logo_version}},
    ]  # fmt: skip
    page = client.get("/accounts/settings/").content.decode()
    assert f"/s/logo/{business.uuid}/{business.logo_version}.png" in page
    assert "Remove logo" in page and 'value="#ffd400"' in page


def test_saving_the_same_look_again_changes_and_records_nothing(alice, business_a, client_of):
    client = client_of(alice)
    client.post(LOOK_URL, {"brand_colour": "#ffd400", "logo": upload("a.png", PNG)})
    client.post(LOOK_URL, {"brand_colour": "#ffd400"})  # no new file: the logo stays
    client.post(LOOK_URL, {"brand_colour": "ffd400", "logo": upload("b.png", PNG)})

    assert len(look_changes(business_a)) == 1 and stored_logo(business_a) == PNG


def test_the_owner_removes_the_logo_and_clears_the_colour(alice, business_a, client_of):
    client = client_of(alice)
    client.post(LOOK_URL, {"brand_colour": "#ffd400", "logo": upload("logo.png", PNG)})
    version = fresh(business_a).logo_version

    removed = client.post(LOOK_URL, {"remove_logo": "1"})
    cleared = client.post(LOOK_URL, {"brand_colour": ""})

    assert removed.status_code == 302 and cleared.status_code == 302
    business = fresh(business_a)
    assert (business.brand_colour, business.logo_version, business.logo_content_type) == (
        "",
        "",
        "",
    )
    assert stored_logo(business) is None
    assert look_changes(business)[1:] == [
        {"logo": {"from": version, "to": None}},
        {"brand_colour": {"from": "#ffd400", "to": None}},
    ]
    assert "Remove logo" not in client.get("/accounts/settings/").content.decode()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"brand_colour": "yellow"}, "brand_colour", "Brand colour: give it as #rrggbb"),
        ({"brand_colour": "#ffd40"}, "brand_colour", "Brand colour: give it as #rrggbb"),
        ({"logo": ("logo.png", SVG, "image/png")}, "logo", "Logo: only PNG, JPEG or WebP"),
        ({"logo": ("logo.svg", SVG, "image/svg+xml")}, "logo", "Logo: only PNG, JPEG or WebP"),
        ({"logo": ("big.png", PNG + b"\0" * 256 * 1024, "image/png")}, "logo", "at most 256 KB"),
        ({"logo": ("empty.png", b"", "image/png")}, "logo", "Logo: the file is empty"),
        # A good logo with a bad colour: nothing at all is written.
        ({"brand_colour": "#12345", "logo": ("ok.png", PNG, "image/png")}, "brand_colour",
         "Brand colour"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_by_name_and_nothing_is_written(
    alice, business_a, client_of, fields, field, message
):
    data = {name: upload(*value) if isinstance(value, tuple) else value
            for name, value in fields.items()}  # fmt: skip
    reply = client_of(alice).post(LOOK_URL, data)

    page = reply.content.decode()
    assert reply.status_code == 400
    assert message in page and "field--error" in page
    assert f'href="#id_{field}"' in page  # the error summary leads to the field
    business = fresh(business_a)
    assert (business.brand_colour, business.logo_version) == ("", "")
    assert stored_logo(business) is None and look_changes(business) == []


def test_managers_and_staff_cannot_change_the_look(mia, bob, business_a, client_of):
    for user in (mia, bob):
        client = client_of(user)
        assert client.post(LOOK_URL, {"brand_colour": "#ffd400"}).status_code == 403
        assert client.post(LOOK_URL, {"remove_logo": "1"}).status_code == 403
        assert patch(client, {"brand_colour": "#ffd400"}).status_code == 403
    assert fresh(business_a).brand_colour == ""


def test_an_outsider_changes_only_their_own_business(charlie, business_a, business_b, client_of):
    business_look_update(business=business_a, actor=None, logo=PNG)
    client = client_of(charlie)
    client.post(LOOK_URL, {"brand_colour": "#ff0000", "logo": upload("x.png", OTHER_PNG)})
    client.post(LOOK_URL, {"remove_logo": "1"})

    assert fresh(business_a).brand_colour == "" and stored_logo(business_a) == PNG
    assert fresh(business_b).brand_colour == "#ff0000" and stored_logo(business_b) is None


def test_anonymous_visitors_are_sent_to_sign_in(business_a):
    reply = Client().post(LOOK_URL, {"brand_colour": "#ffd400"})
    assert reply.status_code == 302 and "/login/" in reply["Location"]


# --- The API ---------------------------------------------------------------------------


UNCHANGED_DETAILS = {"name": "Alice's Café", "industry": "food_drink", "language": "en"}


def test_the_api_sets_and_removes_the_colour_and_logo(alice, business_a, client_of):
    client = client_of(alice)
    body = {"brand_colour": "#FFD400", "logo": base64.b64encode(PNG).decode()}

    reply = patch(client, body)

    business = fresh(business_a)
    logo_url = f"http://testserver/s/logo/{business.uuid}/{business.logo_version}.png"
    assert reply.status_code == 200
    assert reply.json() == {
        **UNCHANGED_DETAILS,
        "retention_months": None,
        "brand_colour": "#ffd400",
        "logo_url": logo_url,
        "time_zone": "UTC",
    }
    assert client.get(API_URL).json()["logo_url"] == logo_url
    assert Client().get(logo_url).content == PNG
    data_url = "data:image/png;base64," + base64.b64encode(OTHER_PNG).decode()
    assert (
        patch(client, {"logo": data_url}).status_code == 200 and stored_logo(business) == OTHER_PNG
    )

    cleared = patch(client, {"brand_colour": None, "logo": None})

    assert cleared.json() == {
        **UNCHANGED_DETAILS, "retention_months": None, "brand_colour": None, "logo_url": None,
        "time_zone": "UTC",
    }  # fmt: skip
    assert stored_logo(business_a) is None
    assert [set(change) for change in look_changes(business_a)] == [
        {"brand_colour", "logo"}, {"logo"}, {"brand_colour", "logo"},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"brand_colour": "yellow"}, "brand_colour", "Brand colour: give it as #rrggbb"),
        ({"brand_colour": 7}, "brand_colour", "Brand colour: give it as #rrggbb"),
        ({"brand_colour": ["#ffd400"]}, "brand_colour", "Not a valid string."),
        ({"logo": "not base64!"}, "logo", "Logo: this is not valid base64."),
        ({"logo": 12}, "logo", "Logo: this is not valid base64."),
        ({"logo": base64.b64encode(SVG).decode()}, "logo", "Logo: only PNG, JPEG or WebP"),
        ({"logo": base64.b64encode(PNG + b"\0" * 256 * 1024).decode()}, "logo",
         "Logo: the image is 257 KB; at most 256 KB is accepted."),
        # Good values alongside a bad one: nothing is written.
        ({"retention_months": 12, "brand_colour": "#ffd400", "logo": "%%%"}, "logo",
         "Logo: this is not valid base64."),
    ],
)  # fmt: skip
def test_the_api_names_the_bad_field_and_writes_nothing(
    alice, business_a, client_of, body, field, message
):
    reply = patch(client_of(alice), body)

    assert reply.status_code == 400
    errors = reply.json()["errors"]
    assert list(errors) == [field] and errors[field][0].startswith(message)
    business = fresh(business_a)
    assert (business.retention_months, business.brand_colour, business.logo_version) == (
        None, "", "",
    )  # fmt: skip
    assert not AuditEntry.objects.filter(business=business_a).exists()


def test_api_keys_cannot_change_the_look(alice, business_a):
    _, key = api_key_create(business=business_a, name="Till", scope="write", created_by=alice)
    reply = patch(Client(), {"brand_colour": "#ffd400"}, HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert reply.status_code == 403 and fresh(business_a).brand_colour == ""


def test_the_api_changes_only_the_callers_business(charlie, business_a, business_b, client_of):
    patch(client_of(charlie), {"brand_colour": "#ff0000"})
    assert fresh(business_a).brand_colour == "" and fresh(business_b).brand_colour == "#ff0000"


# --- The public logo -------------------------------------------------------------------


@pytest.fixture
def logo_a(business_a) -> str:
    business = business_look_update(business=business_a, actor=None, logo=PNG)
    return f"/s/logo/{business.uuid}/{business.logo_version}.png"


def test_the_logo_is_served_to_anyone_with_safe_long_lived_headers(logo_a):
    for method in ("get", "head"):
        reply = getattr(Client(), method)(logo_a)
        assert reply.status_code == 200
        assert reply["Content-Type"] == "image/png"
        assert reply["X-Content-Type-Options"] == "nosniff"
        assert reply["Cache-Control"] == "public, max-age=31536000, immutable"
        assert reply["Content-Length"] == str(len(PNG))
    assert Client().get(logo_a).content == PNG
    assert Client().post(logo_a).status_code == 405


def test_unknown_missing_or_stale_logos_are_404(logo_a, business_a, business_b):
    version = fresh(business_a).logo_version
    assert Client().get(f"/s/logo/{business_b.uuid}/{version}.png").status_code == 404  # no logo
    assert (
        Client().get(logo_a.replace(str(business_a.uuid), str(business_b.uuid))).status_code == 404
    )
    assert Client().get(f"/s/logo/{business_a.uuid}/0123456789ab.png").status_code == 404
    assert Client().get(logo_a.replace(".png", ".jpg")).status_code == 404
    assert Client().get(logo_a.replace(".png", ".svg")).status_code == 404
    business_look_update(business=business_a, actor=None, logo=OTHER_PNG)
    assert Client().get(logo_a).status_code == 404  # the old image's URL


def test_another_business_logo_is_not_reached_through_a_known_business(
    logo_a, business_a, business_b
):
    theirs = business_look_update(business=business_b, actor=None, logo=OTHER_PNG)
    mixed = f"/s/logo/{business_a.uuid}/{theirs.logo_version}.png"
    assert Client().get(mixed).status_code == 404


# --- The themed survey pages -----------------------------------------------------------


@pytest.fixture
def yellow_a(business_a):
    business_a.name = "Bean <b>& Leaf</b>"
    business_a.save(update_fields=["name"])
    return business_look_update(business=business_a, actor=None, brand_colour="#ffd400", logo=PNG)


def theme_style(page: str) -> dict[str, str]:
    found = re.search(r'<body class="[^"]*" style="([^"]*)"', page)
    assert found, "the body carries no theme"
    return dict(part.split(": ") for part in found.group(1).split("; "))


def test_every_survey_page_carries_the_theme_logo_and_name(yellow_a, survey_a, client_of):
    customer = CustomerFactory(business=yellow_a, email="c@x.example")
    invitation = invitations_create(survey=survey_a, customers=[customer]).invitations[0]
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["answered_at"])
    logo = f"/s/logo/{yellow_a.uuid}/{yellow_a.logo_version}.png"
    pages = {
        "survey": f"/s/{survey_a.uuid}/",
        "thanks": f"/s/{survey_a.uuid}/thanks/",
        "embed": f"/s/{survey_a.uuid}/embed/",
        "embed thanks": f"/s/{survey_a.uuid}/embed/thanks/",
        "already answered": f"/i/{invitation.token}/",
        "unsubscribe": f"/u/{invitation.token}/",
    }
    for what, url in pages.items():
        page = Client().get(url).content.decode()
        style = theme_style(page)
        assert style["--brand"] == "#ffd400", what
        assert contrast_ratio(style["--brand-ink"], "#ffd400") >= 4.5, what
        assert contrast_ratio(style["--brand-text"], "#ffffff") >= 4.5, what
        assert f'src="{logo}" alt="Bean &lt;b&gt;&amp; Leaf&lt;/b&gt;"' in page, what
        assert "/static/css/survey.css" in page, what
    survey_a.status = SurveyStatus.CLOSED
    survey_a.save(update_fields=["status"])
    closed = Client().get(pages["survey"])
    assert (
        closed.status_code == 410 and theme_style(closed.content.decode())["--brand"] == "#ffd400"
    )


def test_without_a_look_the_survey_keeps_the_standard_blue_and_shows_no_logo(survey_a):
    page = Client().get(f"/s/{survey_a.uuid}/").content.decode()
    assert theme_style(page)["--brand"] == "#2f5bd3"
    assert "/s/logo/" not in page and "survey-brand__name" in page


def test_the_survey_page_reads_no_logo_bytes(yellow_a, survey_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        Client().get(f"/s/{survey_a.uuid}/")
    assert not [q for q in queries if "accounts_businesslogo" in q["sql"]]
