"""A survey made from a template speaks the survey's language, else the business's:
its name, questions, choices and privacy line, as the default survey already does."""

from __future__ import annotations

import pytest
from django.utils import translation

from feedback.builder.services import survey_create, trust_items_add
from feedback.catalog import TEMPLATES, TRUST_ITEMS, template_choices

pytestmark = pytest.mark.django_db


def every_text() -> set[str]:
    specs = [*TRUST_ITEMS, *(spec for t in TEMPLATES.values() for spec in t.questions)]
    names = {template.name for template in TEMPLATES.values()}
    return names | {s.prompt for s in specs} | {c for s in specs for c in s.choices}


def test_every_template_text_has_a_spanish_translation_keeping_its_slot():
    with translation.override("es"):
        for text in every_text():
            spanish = translation.gettext(text)
            assert spanish != text or text == "No", text
            assert ("{business}" in spanish) == ("{business}" in text), text


def test_a_spanish_business_gets_the_template_in_spanish(business_a):
    business_a.language = "es"
    business_a.save()
    survey = survey_create(business=business_a, template_key="health.support")
    assert survey.name == "Después de contactar con atención al cliente"
    prompts = list(survey.questions.order_by("position").values_list("prompt", flat=True))
    assert prompts[1] == f"{business_a.name} me lo puso fácil para resolver mi problema."
    choice = survey.questions.get(kind="single_choice")
    assert (choice.prompt, choice.choices) == ("¿Se ha resuelto tu problema?",
                                               ["Sí", "En parte", "No"])  # fmt: skip
    assert survey.privacy_note.startswith(f"{business_a.name} lee todas las respuestas")


def test_the_survey_language_wins_over_the_business_language(business_a):
    survey = survey_create(business=business_a, template_key="food_drink.visit", language="es")
    prompts = set(survey.questions.values_list("prompt", flat=True))
    assert f"{business_a.name} me lo puso fácil para pedir lo que quería." in prompts
    assert survey.name == "Después de una visita"


def test_an_english_business_gets_english_whatever_language_is_active(business_a):
    with translation.override("es"):  # e.g. the owner browses in Spanish
        survey = survey_create(business=business_a, template_key="retail.purchase")
    assert survey.name == "After a purchase"
    prompts = set(survey.questions.values_list("prompt", flat=True))
    assert f"{business_a.name} made it easy for me to find what I was looking for." in prompts


def test_the_template_menu_is_in_the_active_language():
    with translation.override("es"):
        groups = dict(template_choices())
    labels = {label for group in groups.values() for _key, label in group}
    assert {"Después de una visita", "Después de una compra"} <= labels


def test_a_template_is_one_change_of_its_survey(business_a, django_assert_max_num_queries):
    """Its questions go in with the survey's version raised once and their positions
    read once, not once per question; follow-ups point at the questions just made."""
    template = next(t for t in TEMPLATES.values() if any(s.show_if for s in t.questions))
    survey = survey_create(business=business_a, template_key=template.key)
    assert survey.definition_version == 2  # made at 1, raised once for its questions
    questions = list(survey.questions.order_by("position"))
    assert [q.position for q in questions] == list(range(1, len(template.questions) + 1))
    for question, spec in zip(questions, template.questions, strict=True):
        expected = questions[spec.show_if[0]] if spec.show_if else None
        assert question.show_if_question == expected

    before = survey.definition_version
    # The savepoint and its release, the raise, the last position, one insert per item.
    with django_assert_max_num_queries(4 + len(TRUST_ITEMS)):
        added = trust_items_add(survey=survey)
    assert survey.definition_version == before + 1
    assert [q.position for q in added] == [len(questions) + n for n in range(1, 5)]
