from __future__ import annotations

import re
import time
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Business
from feedback.antiabuse import HONEYPOT_FIELD, STARTED_FIELD, form_started_token
from feedback.models import Answer, Invitation, Question, Response, SurveyStatus
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def page(survey) -> str:
    return f"/s/{survey.uuid}/"


def filled(data: dict, seconds_ago: float = 30) -> dict:
    """Form data as a person sends it: with the signed time the form was shown."""
    return {STARTED_FIELD: form_started_token(at=time.time() - seconds_ago), **data}


def names(survey):
    nps, reason = survey.questions.order_by("position")
    return f"q-{nps.uuid}", f"q-{reason.uuid}"


def test_the_page_shows_who_is_asking_and_the_questions(survey_a):
    reply = Client().get(page(survey_a))
    assert reply.status_code == 200
    html = reply.content.decode()
    assert "Alice&#x27;s Café is asking" in html
    assert "What is the main reason for your score?" in html
    assert html.count('type="radio"') == 11
    assert survey_a.privacy_note.replace("'", "&#x27;") in html


def test_it_works_without_javascript(survey_a):
    html = Client().get(page(survey_a)).content.decode()
    # A plain form posting to itself; the one script only hides follow-ups when it runs.
    assert 'method="post"' in html
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/feedback/survey.js" defer>']


def test_a_valid_answer_is_saved_and_thanked(survey_a, django_capture_on_commit_callbacks):
    score, reason = names(survey_a)
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        reply = client.post(
            page(survey_a) + "?ch=qr", filled({score: "3", reason: "Cold coffee, rude."})
        )
    assert reply.status_code == 302
    assert reply["Location"] == f"/s/{survey_a.uuid}/thanks/"
    response = Response.objects.get()
    assert response.channel == "qr"
    assert response.answers.get(text="Cold coffee, rude.").sentiment_label == "negative"
    assert client.get(reply["Location"]).status_code == 200


def test_a_missing_score_shows_the_error_beside_it_and_keeps_the_comment(survey_a):
    score, reason = names(survey_a)
    reply = Client().post(page(survey_a), filled({reason: "My <b>kept</b> words"}))
    assert reply.status_code == 400
    html = reply.content.decode()
    assert f'id="{score}-error"' in html
    assert "Please answer this question." in html
    assert "My &lt;b&gt;kept&lt;/b&gt; words</textarea>" in html
    assert not Response.objects.exists()


def test_an_out_of_range_score_is_refused_and_the_choice_is_not_lost(survey_a):
    score, reason = names(survey_a)
    reply = Client().post(page(survey_a), filled({score: "12", reason: "Great"}))
    assert reply.status_code == 400
    assert "Choose a whole number from 0 to 10." in reply.content.decode()
    assert ">Great</textarea>" in reply.content.decode()
    assert not Answer.objects.exists()


def test_the_chosen_score_stays_checked_after_an_error(survey_a):
    survey_a.questions.filter(kind="text").update(required=True)
    score, _reason = names(survey_a)
    reply = Client().post(page(survey_a), filled({score: "7"}))
    assert reply.status_code == 400
    assert 'value="7" checked' in reply.content.decode()


def test_an_unknown_survey_is_404(db):
    assert Client().get(f"/s/{uuid.uuid4()}/").status_code == 404
    assert Client().post(f"/s/{uuid.uuid4()}/", {}).status_code == 404


def test_a_closed_survey_is_410(survey_a):
    survey_a.status = SurveyStatus.ARCHIVED
    survey_a.save()
    assert Client().get(page(survey_a)).status_code == 410
    score, _ = names(survey_a)
    assert Client().post(page(survey_a), filled({score: "9"})).status_code == 410
    assert not Response.objects.exists()


def test_a_body_over_64_kb_is_413(survey_a):
    score, reason = names(survey_a)
    reply = Client().post(page(survey_a), filled({score: "9", reason: "x" * (65 * 1024)}))
    assert reply.status_code == 413
    assert not Response.objects.exists()


def test_a_form_sent_back_too_fast_is_asked_again_keeping_the_answers(survey_a):
    score, reason = names(survey_a)
    reply = Client().post(page(survey_a), filled({score: "8", reason: "Quick!"}, seconds_ago=0))
    assert reply.status_code == 400
    html = reply.content.decode()
    assert "That was quick!" in html
    assert 'value="8" checked' in html
    assert ">Quick!</textarea>" in html
    assert not Response.objects.exists()


def test_a_form_without_its_signed_start_time_is_asked_again(survey_a):
    score, _ = names(survey_a)
    reply = Client().post(page(survey_a), {score: "8", STARTED_FIELD: "forged"})
    assert reply.status_code == 400
    assert not Response.objects.exists()


def test_a_bot_filling_the_honeypot_is_thanked_but_nothing_is_kept(survey_a):
    score, _ = names(survey_a)
    reply = Client().post(page(survey_a), filled({score: "10", HONEYPOT_FIELD: "http://spam"}))
    assert reply.status_code == 302
    assert not Response.objects.exists()


def test_too_many_submissions_from_one_address_get_429(survey_a, settings):
    settings.PUBLIC_RATE_PER_IP = "3/m"
    score, _ = names(survey_a)
    client = Client()
    codes = [client.post(page(survey_a), filled({score: "9"})).status_code for _ in range(4)]
    assert codes == [302, 302, 302, 429]
    assert Response.objects.count() == 3
    reply = client.post(page(survey_a), filled({score: "9"}))
    assert 1 <= int(reply["Retry-After"]) <= 60


def test_a_spanish_browser_gets_the_survey_in_spanish(survey_a):
    reply = Client().get(page(survey_a), HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9")
    html = reply.content.decode()
    assert reply.headers["Content-Language"] == "es"
    assert "Alice&#x27;s Café te pregunta" in html
    assert "Nada probable" in html and "Enviar" in html


def test_the_owner_s_words_are_marked_with_their_language_when_the_page_s_differs(survey_a):
    """A Spanish browser gets the page in Spanish, the questions as the owner wrote them
    (in English): marked lang="en", a screen reader reads them in an English voice."""
    _nps, reason = survey_a.questions.order_by("position")
    html = Client().get(page(survey_a), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="es"' in html
    assert f'<h1 lang="en">{survey_a.name}</h1>' in html
    assert f'<span lang="en">{reason.prompt}</span>' in html
    assert '<p class="privacy" lang="en">' in html
    same = Client().get(page(survey_a), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="en">' not in same.replace('<html lang="en"', "")


def written_in_spanish(survey) -> None:
    """The survey in its business's language (its own left blank): Spanish."""
    Business.objects.filter(pk=survey.business_id).update(language="es")
    survey.name, survey.intro = "Tu visita", "Leemos cada respuesta."
    survey.privacy_note = "Guardamos tus respuestas un año."
    survey.save()


def test_a_follow_up_s_condition_marks_the_options_it_quotes(survey_a):
    """Without JavaScript a follow-up says when it applies, quoting the owner's options:
    marked lang="es" on an English page, unmarked on a Spanish one, escaped on both."""
    written_in_spanish(survey_a)
    options = ["Terraza", "Dentro & <barra>"]
    seat = Question.objects.create(
        business=survey_a.business, survey=survey_a, position=3, kind="single_choice",
        prompt="¿Dónde te sentaste?", choices=options,
    )  # fmt: skip
    Question.objects.create(
        business=survey_a.business, survey=survey_a, position=4, kind="text", required=False,
        prompt="¿Qué tal el sitio?", show_if_question=seat, show_if_choices=options,
    )  # fmt: skip

    english = Client().get(page(survey_a), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    spanish = Client().get(page(survey_a), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert (
        '<p class="help condition">Only if you chose <span lang="es">Terraza</span>, '
        '<span lang="es">Dentro &amp; &lt;barra&gt;</span> above.</p>'
    ) in english
    assert (
        '<p class="help condition">Solo si elegiste Terraza, Dentro &amp; &lt;barra&gt; arriba.</p>'
    ) in spanish


def answered_invitation(survey) -> Invitation:
    return Invitation.objects.create(
        business=survey.business, survey=survey, customer=CustomerFactory(business=survey.business),
        token="already-answered", send_at=timezone.now(), answered_at=timezone.now(),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("shown", "status"), [("thanks", 200), ("closed", 410), ("already answered", 409)]
)
def test_the_pages_around_the_form_show_none_of_the_owner_s_words_unmarked(survey_a, shown, status):
    """Of the owner's words they show only the business's name: a proper name, unmarked
    as on the form (WCAG 3.1.2 exempts names). Whatever more they show later (the
    survey's name, a thank-you the owner wrote) must be marked as the form marks it."""
    written_in_spanish(survey_a)
    if shown == "closed":
        survey_a.status = SurveyStatus.CLOSED
        survey_a.save()
    path = {
        "thanks": f"/s/{survey_a.uuid}/thanks/",
        "closed": page(survey_a),
        "already answered": f"/i/{answered_invitation(survey_a).token}/",
    }[shown]

    reply = Client().get(path, HTTP_ACCEPT_LANGUAGE="en")

    assert reply.status_code == status
    html = reply.content.decode()
    assert '<html lang="en"' in html
    assert "Alice&#x27;s Café" in html
    for words in (survey_a.name, survey_a.intro, survey_a.privacy_note):
        assert html.count(words) == html.count(f'lang="es">{words}'), words


def test_a_form_shown_again_for_a_mistake_may_be_sent_at_once(survey_a):
    """Correcting one answer can take under the minimum fill time: the form shown again
    for a mistake carries a start time that lets it through, not "That was quick!"."""
    score, reason = names(survey_a)
    client = Client()
    mistaken = client.post(page(survey_a), filled({score: "12", reason: "Nice"}))
    assert mistaken.status_code == 400
    token = re.search(rf'name="{STARTED_FIELD}" value="([^"]+)"', mistaken.content.decode())[1]

    corrected = client.post(page(survey_a), {STARTED_FIELD: token, score: "9", reason: "Nice"})

    assert corrected.status_code == 302
    assert Response.objects.count() == 1


def test_a_form_sent_too_fast_is_still_too_fast_when_sent_back_at_once(survey_a):
    """The form shown again for coming too fast carries a fresh start time: sent back
    at once, it is too fast again (only a form that passed the check keeps its own)."""
    score, _ = names(survey_a)
    client = Client()
    fast = client.post(page(survey_a), filled({score: "8"}, seconds_ago=0))
    token = re.search(rf'name="{STARTED_FIELD}" value="([^"]+)"', fast.content.decode())[1]

    again = client.post(page(survey_a), {STARTED_FIELD: token, score: "8"})

    assert again.status_code == 400 and "That was quick!" in again.content.decode()
    assert not Response.objects.exists()


def test_errors_are_in_spanish_too(survey_a):
    score, _ = names(survey_a)
    reply = Client().post(page(survey_a), filled({score: "12"}), HTTP_ACCEPT_LANGUAGE="es")
    assert "Elige un número entero del 0 al 10." in reply.content.decode()


def test_the_survey_language_wins_over_the_browser(survey_a):
    survey_a.language = "es"
    survey_a.save()
    html = Client().get(page(survey_a), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "te pregunta" in html


def test_a_spanish_business_starts_with_a_spanish_survey(db):
    from cxplatform.onboarding import business_onboard
    from feedback.models import Survey
    from tests.factories import UserFactory

    business = business_onboard(name="Café Sol", owner=UserFactory(), language="es")
    prompts = list(Survey.objects.get(business=business).questions.values_list("prompt", flat=True))
    assert prompts == [
        "¿Qué probabilidad hay de que recomiendes Café Sol a un amigo o colega?",
        "¿Cuál es el motivo principal de tu puntuación?",
    ]
    html = Client().get(f"/s/{Survey.objects.get(business=business).uuid}/").content.decode()
    assert "Café Sol te pregunta" in html  # no Accept-Language: the business's language


@pytest.mark.parametrize(
    ("accept_language", "language"),
    [(None, "es"), ("fr-FR,fr;q=0.9", "es"), ("*", "es"), ("de, en;q=0.5", "en"),
     ("fr, en-GB;q=0.8, es;q=0.9", "es"), ("en-US", "en"), ("not a header;;", "es"),
     ("fr, en;q=0", "es")],
)  # fmt: skip
def test_a_browser_language_we_do_not_speak_gives_the_business_language(
    business_a, survey_a, accept_language, language
):
    """The first of the browser's languages that we have, else the business's (not
    English, the site's default: a French visitor of a Spanish café reads Spanish)."""
    Business.objects.filter(pk=business_a.pk).update(language="es")
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}

    reply = Client().get(page(survey_a), **headers)

    assert reply.headers["Content-Language"] == language
    assert f'<html lang="{language}"' in reply.content.decode()


def test_the_owner_s_line_breaks_are_kept_and_their_text_escaped(survey_a):
    survey_a.intro = "We read every answer <b>\nSecond line"
    survey_a.privacy_note = "Kept for a year.\r\nAsk us to delete it."
    survey_a.save()
    html = Client().get(page(survey_a)).content.decode()
    assert "We read every answer &lt;b&gt;<br>Second line" in html
    assert "Kept for a year.<br>Ask us to delete it." in html
