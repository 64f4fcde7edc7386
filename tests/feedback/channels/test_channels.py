from __future__ import annotations

import json
import time

import pytest
import segno
from django.test import Client

from accounts.models import Business
from feedback.antiabuse import STARTED_FIELD, form_started_token
from feedback.channels.services import clean_origin
from feedback.models import Response

pytestmark = pytest.mark.django_db

SHOP = "https://www.alices-cafe.example"


@pytest.fixture
def embeddable(survey_a):
    survey_a.embed_origins = [SHOP]
    survey_a.save()
    return survey_a


def embed_url(survey) -> str:
    return f"/s/{survey.uuid}/embed/"


def csp_directive(reply, name: str) -> str:
    """One directive of the response's Content-Security-Policy header."""
    header = reply["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in header.split(";"))
    return directives[name]


def answers(survey) -> dict:
    nps = survey.questions.get(kind="nps")
    return {f"q-{nps.uuid}": "9", STARTED_FIELD: form_started_token(at=time.time() - 30)}


class TestEmbed:
    def test_only_the_listed_sites_may_frame_the_survey(self, embeddable):
        reply = Client().get(embed_url(embeddable))
        assert reply.status_code == 200
        assert csp_directive(reply, "frame-ancestors") == SHOP
        assert "X-Frame-Options" not in reply

    def test_no_listed_site_means_no_site(self, survey_a):
        assert csp_directive(Client().get(embed_url(survey_a)), "frame-ancestors") == "'none'"

    def test_other_pages_stay_unframeable(self, survey_a):
        assert Client().get(f"/s/{survey_a.uuid}/")["X-Frame-Options"] == "DENY"

    def test_the_embedded_form_posts_from_its_own_page(self, embeddable):
        client = Client(enforce_csrf_checks=True)
        reply = client.post(
            embed_url(embeddable), answers(embeddable), HTTP_ORIGIN="http://testserver"
        )
        assert reply.status_code == 302
        assert reply.url == f"/s/{embeddable.uuid}/embed/thanks/"
        assert Response.objects.get().channel == "embed"
        thanks = client.get(reply.url)
        assert csp_directive(thanks, "frame-ancestors") == SHOP
        assert "X-Frame-Options" not in thanks

    def test_a_post_from_a_foreign_site_is_refused(self, embeddable):
        for origin in ["https://evil.example", "null", None]:
            extra = {"HTTP_ORIGIN": origin} if origin else {}
            reply = Client().post(embed_url(embeddable), answers(embeddable), **extra)
            assert reply.status_code == 403, origin
        assert not Response.objects.exists()

    def test_the_widget_script_is_served_by_the_app(self, db):
        reply = Client().get("/static/feedback/widget.js")
        assert reply.status_code == 200
        body = b"".join(reply.streaming_content) if reply.streaming else reply.content
        assert b"/embed/" in body


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("https://Shop.Example/", "https://shop.example"),
        ("https://shop.example:8443", "https://shop.example:8443"),
        ("http://127.0.0.1:8001", "http://127.0.0.1:8001"),
        ("http://localhost:3000", "http://localhost:3000"),
    ],
)
def test_origins_are_normalised(raw, clean):
    assert clean_origin(raw) == clean


@pytest.mark.parametrize(
    "raw",
    ["http://shop.example", "https://shop.example/page", "shop.example", "ftp://x.example",
     "https://user:pw@shop.example", "https://shop.example?x=1", "javascript:alert(1)"],
)  # fmt: skip
def test_bad_origins_are_refused(raw):
    with pytest.raises(ValueError):
        clean_origin(raw)


class TestSharePage:
    def test_an_owner_lists_the_sites_allowed_to_embed(self, alice, survey_a, client_of):
        client = client_of(alice)
        page = client.get(f"/surveys/{survey_a.uuid}/share/").content.decode()
        assert f'data-survey="{survey_a.uuid}"' in page
        reply = client.post(
            f"/surveys/{survey_a.uuid}/share/",
            {"embed_origins": f"{SHOP}/\nhttp://localhost:8001\n{SHOP}"},
        )
        assert reply.status_code == 302
        assert "Sites saved." in client.get(reply.url).content.decode()
        survey_a.refresh_from_db()
        assert survey_a.embed_origins == [SHOP, "http://localhost:8001"]

    def test_a_bad_site_is_refused_beside_the_field(self, alice, survey_a, client_of):
        reply = client_of(alice).post(
            f"/surveys/{survey_a.uuid}/share/", {"embed_origins": "www.example.com/page"}
        )
        assert reply.status_code == 400
        assert "www.example.com/page" in reply.content.decode()
        survey_a.refresh_from_db()
        assert survey_a.embed_origins == []

    def test_the_api_sets_the_sites_too(self, alice, survey_a, client_of):
        client = client_of(alice)
        path = f"/api/v1/surveys/{survey_a.uuid}/"
        ok = client.patch(path, json.dumps({"embed_origins": [SHOP]}), "application/json")
        assert ok.json()["embed_origins"] == [SHOP]
        bad = client.patch(path, json.dumps({"embed_origins": ["nope"]}), "application/json")
        assert bad.status_code == 400
        assert list(bad.json()["errors"]) == ["embed_origins"]

    def test_qr_codes_and_the_card(self, alice, survey_a, client_of):
        client = client_of(alice)
        svg = client.get(f"/surveys/{survey_a.uuid}/qr.svg")
        assert svg["Content-Type"] == "image/svg+xml"
        assert svg.content.startswith(b"<svg")
        assert f"/s/{survey_a.uuid}/?ch=qr".encode() in svg.content  # the title names the link
        png = client.get(f"/surveys/{survey_a.uuid}/qr.png?download=1")
        assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
        assert "attachment" in png["Content-Disposition"]
        card = client.get(f"/surveys/{survey_a.uuid}/card/").content.decode()
        assert 'href="/static/feedback/card.css"' in card  # no inline <style>: the CSP
        css = client.get("/static/feedback/card.css")
        assert "@page { size: A6" in b"".join(css.streaming_content).decode()
        assert "Alice&#x27;s Café" in card

    def test_staff_get_403_and_outsiders_404(self, bob, charlie, business_b, survey_a, client_of):
        for path in ["share/", "qr.svg", "qr.png", "card/"]:
            url = f"/surveys/{survey_a.uuid}/{path}"
            assert client_of(bob).get(url).status_code == 403, url
            assert client_of(charlie).get(url).status_code == 404, url
        reply = client_of(charlie).post(f"/surveys/{survey_a.uuid}/share/", {"embed_origins": SHOP})
        assert reply.status_code == 404
        survey_a.refresh_from_db()
        assert survey_a.embed_origins == []


def test_the_share_page_title_is_just_a_title(alice, survey_a, client_of):
    html = client_of(alice).get(f"/surveys/{survey_a.uuid}/share/").content.decode()
    title = html[html.index("<title>") : html.index("</title>")]
    assert title == "<title>Share · Net Promoter Score"


def test_qr_codes_keep_the_standard_quiet_zone(alice, survey_a, client_of):
    """Four blank modules on every side (ISO/IEC 18004): with less, phones miss a code
    printed next to text or a dark edge."""
    client = client_of(alice)
    link = f"http://testserver/s/{survey_a.uuid}/?ch=qr"
    modules = segno.make(link, error="m").symbol_size(scale=1, border=0)[0]
    svg = client.get(f"/surveys/{survey_a.uuid}/qr.svg").content.decode()
    assert f'width="{(modules + 8) * 10}"' in svg
    assert 'd="M4 4.5' in svg  # the first dark module, 4 in from the corner
    png = client.get(f"/surveys/{survey_a.uuid}/qr.png").content
    width = int.from_bytes(png[16:20], "big")  # the PNG header's width
    assert width == (modules + 8) * 12


def test_the_card_speaks_the_survey_language(alice, business_a, survey_a, client_of):
    Business.objects.filter(pk=business_a.pk).update(language="es")
    card = client_of(alice).get(f"/surveys/{survey_a.uuid}/card/").content.decode()
    assert '<html lang="es"' in card
    assert "¿Qué tal lo hicimos? Cuéntanoslo en un minuto." in card
    assert "Escanéalo con la cámara de tu teléfono" in card
    # The survey's own language wins over the business's.
    survey_a.language = "en"
    survey_a.save()
    card = client_of(alice).get(f"/surveys/{survey_a.uuid}/card/").content.decode()
    assert "How did we do? Tell us in a minute." in card


def test_the_share_page_says_how_to_label_the_button(alice, survey_a, client_of):
    html = client_of(alice).get(f"/surveys/{survey_a.uuid}/share/").content.decode()
    assert 'To change the button text, add data-label="Your text".' in html
    widget = client_of(alice).get("/static/feedback/widget.js")
    assert "script.dataset.label" in b"".join(widget.streaming_content).decode()
