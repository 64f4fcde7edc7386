"""The survey page's markup for assistive technology, without a browser: the language it
declares, scales as named radio groups, and a failed submit's summary, marks and links
(tests/e2e/test_survey_accessibility.py checks the same in Chromium, with axe)."""

from __future__ import annotations

import re
import time
import uuid

import pytest
from django.test import Client

from feedback.antiabuse import STARTED_FIELD, form_started_token

pytestmark = pytest.mark.django_db


def page(survey) -> str:
    return f"/s/{survey.uuid}/"


def sent_too_slowly_to_be_a_bot(data: dict) -> dict:
    return {STARTED_FIELD: form_started_token(at=time.time() - 30), **data}


def html_lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def test_the_page_declares_the_language_it_is_written_in(survey_a):
    assert html_lang(Client().get(page(survey_a)).content.decode()) == "en"
    survey_a.language = "es"
    survey_a.save()
    html = Client().get(page(survey_a), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert html_lang(html) == "es"
    assert "Enviar" in html


def test_the_thank_you_page_speaks_the_survey_language(survey_a):
    survey_a.language = "es"
    survey_a.save()
    for path in (f"/s/{survey_a.uuid}/thanks/", f"/s/{survey_a.uuid}/embed/thanks/"):
        html = Client().get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert html_lang(html) == "es", path
        assert "¡Gracias!" in html, path


def test_each_point_of_a_scale_says_out_of_how_many(survey_a):
    html = Client().get(page(survey_a)).content.decode()
    nps = survey_a.questions.get(kind="nps")
    assert f'id="q-{nps.uuid}" role="radiogroup" aria-required="true"' in html
    assert '<span class="visually-hidden">7 out of 10</span>' in html
    assert f'id="q-{nps.uuid}-0" value="0" aria-describedby="q-{nps.uuid}-low"' in html
    assert f'<span id="q-{nps.uuid}-low">Not at all likely</span>' in html
    assert f'<span id="q-{nps.uuid}-high">Extremely likely</span>' in html


def test_a_failed_submit_links_each_error_to_its_field_and_marks_it(survey_a):
    nps, reason = survey_a.questions.order_by("position")
    data = {f"q-{reason.uuid}": "Kept <words>", "contact_requested": "on"}
    reply = Client().post(page(survey_a), sent_too_slowly_to_be_a_bot(data))
    assert reply.status_code == 400
    html = reply.content.decode()
    assert re.search(r"<title>Error: Net Promoter Score", html)
    summary = re.search(
        r'<div class="error-summary" role="alert" tabindex="-1".*?</div>', html, re.S
    )
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary.group(0))
    assert [target for target, _text in links] == [f"q-{nps.uuid}-0", "id_contact_email"]
    for target, _text in links:
        assert f'id="{target}"' in html  # each link goes somewhere
    marked = 'role="radiogroup" aria-required="true" aria-invalid="true"'
    assert f'{marked} aria-describedby="q-{nps.uuid}-error"' in html
    assert f'<p class="error-text" id="q-{nps.uuid}-error">Please answer this question.</p>' in html
    assert 'aria-invalid="true" aria-describedby="contact-error"' in html
    assert "Kept &lt;words&gt;</textarea>" in html


def test_an_unknown_survey_has_no_thank_you_page(db):
    assert Client().get(f"/s/{uuid.uuid4()}/thanks/").status_code == 404


def test_another_business_survey_is_shown_as_its_own(survey_a, survey_b, charlie):
    """A signed-in owner of another business is one more customer here: they see that
    survey's business, never their own."""
    client = Client()
    client.force_login(charlie)
    html = client.get(page(survey_a)).content.decode()
    assert "Alice&#x27;s Café is asking" in html
    assert "Charlie" not in html
