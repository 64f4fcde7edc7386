"""Every question kind, follow-ups and the contact request, through the form and the API."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from feedback.antiabuse import STARTED_FIELD, form_started_token
from feedback.models import Answer, Question, QuestionKind, Response, Survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(business_a):
    survey = Survey.objects.create(business=business_a, name="After your visit")
    specs = [
        (QuestionKind.NPS, "Recommend us?", {}),
        (QuestionKind.TEXT, "What went wrong?", {"required": False, "show_if": (0, 0, 6)}),
        (QuestionKind.CSAT, "How satisfied?", {}),
        (QuestionKind.CES, "We made it easy to order.", {"required": False}),
        (QuestionKind.RATING, "Rate the coffee", {"required": False}),
        (QuestionKind.TRUST, "They keep their promises.",
         {"required": False, "pillar": "reliability"}),
        (QuestionKind.SINGLE_CHOICE, "How did you come?", {"choices": ["Walk", "Car", "Bus"]}),
        (QuestionKind.MULTIPLE_CHOICE, "What did you have?",
         {"required": False, "choices": ["Coffee", "Cake", "Soup"]}),
    ]  # fmt: skip
    questions = []
    for position, (kind, prompt, extra) in enumerate(specs, start=1):
        condition = extra.pop("show_if", None)
        question = Question.objects.create(
            business=business_a, survey=survey, position=position, kind=kind, prompt=prompt,
            required=extra.pop("required", True), **extra,
        )  # fmt: skip
        if condition:
            source, low, high = condition
            question.show_if_question = questions[source]
            question.show_if_min, question.show_if_max = low, high
            question.save()
        questions.append(question)
    return survey


def q(survey, position: int) -> Question:
    return survey.questions.get(position=position)


def post_json(survey, answers: dict, **extra):
    body = {"answers": {str(q(survey, p).uuid): v for p, v in answers.items()}, **extra}
    return Client().post(
        f"/api/v1/public/surveys/{survey.uuid}/responses/",
        data=json.dumps(body),
        content_type="application/json",
    )


GOOD = {1: 3, 2: "Slow", 3: 2, 4: 6, 5: 4, 6: 7, 7: "Bus", 8: ["Soup", "Coffee"]}


def test_every_kind_is_stored(survey):
    reply = post_json(survey, GOOD)
    assert reply.status_code == 201, reply.content
    stored = {a.question.position: a for a in Answer.objects.select_related("question")}
    assert [stored[p].number for p in (1, 3, 4, 5, 6)] == [3, 2, 6, 4, 7]
    assert stored[2].text == "Slow"
    assert stored[7].choices == ["Bus"]
    assert stored[8].choices == ["Coffee", "Soup"]  # the survey's order, not the sender's


@pytest.mark.parametrize(
    ("position", "value"),
    [
        (3, 0), (3, 6), (4, 8), (5, 0), (6, 8),  # outside each scale
        (7, "Train"), (7, ["Bus"]), (8, ["Coffee", "Tea"]), (8, "Tea"), (8, [1]),
    ],
)  # fmt: skip
def test_bad_values_are_refused_naming_the_question(survey, position, value):
    reply = post_json(survey, {**GOOD, position: value})
    assert reply.status_code == 400
    assert list(reply.json()["errors"]) == [f"answers.{q(survey, position).uuid}"]
    assert not Response.objects.exists()


def test_a_follow_up_applies_only_when_its_condition_holds(survey):
    promoter = {**GOOD, 1: 9}
    reply = post_json(survey, promoter)
    assert reply.status_code == 400
    assert f"answers.{q(survey, 2).uuid}" in reply.json()["errors"]
    del promoter[2]
    assert post_json(survey, promoter).status_code == 201


def test_a_required_follow_up_is_not_required_when_not_asked(survey):
    survey.questions.filter(position=2).update(required=True)
    assert (
        post_json(survey, {**{k: v for k, v in GOOD.items() if k != 2}, 1: 10}).status_code == 201
    )
    reply = post_json(survey, {k: v for k, v in GOOD.items() if k != 2})
    assert reply.status_code == 400  # a detractor must say what went wrong


class TestContact:
    def test_an_email_is_kept_only_when_contact_is_asked(self, survey):
        post_json(survey, GOOD, contact_email="dana@example.com")
        post_json(survey, GOOD, contact_requested=True, contact_email="dana@example.com")
        kept = list(
            Response.objects.order_by("id").values_list("contact_requested", "contact_email")
        )
        assert kept == [(False, ""), (True, "dana@example.com")]

    @pytest.mark.parametrize("email", ["", "nope", "a@"])
    def test_asking_for_contact_needs_a_valid_email(self, survey, email):
        reply = post_json(survey, GOOD, contact_requested=True, contact_email=email)
        assert reply.status_code == 400
        assert list(reply.json()["errors"]) == ["contact_email"]

    def test_a_survey_without_anonymous_answers_needs_the_email(self, survey):
        survey.allow_anonymous = False
        survey.save()
        assert post_json(survey, GOOD).status_code == 400
        assert post_json(survey, GOOD, contact_email="dana@example.com").status_code == 201


def form_post(survey, answers: dict, **extra):
    data = {f"q-{q(survey, p).uuid}": v for p, v in answers.items()}
    data[STARTED_FIELD] = form_started_token(at=time.time() - 30)
    return Client().post(f"/s/{survey.uuid}/", {**data, **extra})


class TestForm:
    def test_the_page_draws_every_kind_accessibly(self, survey):
        html = Client().get(f"/s/{survey.uuid}/").content.decode()
        assert html.count("<fieldset") == 8  # seven scale/choice questions and the contact
        assert 'type="checkbox" name="q-' in html
        assert "Very unsatisfied" in html and "Strongly agree" in html
        assert "Only if you answered 0 to 6 above." in html
        assert f'data-show-if="q-{q(survey, 1).uuid}"' in html

    def test_the_form_takes_every_kind(self, survey):
        reply = form_post(survey, GOOD, contact_requested="on", contact_email="d@example.com")
        assert reply.status_code == 302, reply.content.decode()[:2000]
        assert Answer.objects.get(question__position=8).choices == ["Coffee", "Soup"]
        assert Response.objects.get().contact_email == "d@example.com"

    def test_errors_keep_every_answer(self, survey):
        reply = form_post(survey, {**GOOD, 3: "9"}, contact_requested="on", contact_email="bad")
        html = reply.content.decode()
        assert reply.status_code == 400
        assert 'value="Bus" checked' in html
        assert 'value="Soup" checked' in html and 'value="Coffee" checked' in html
        assert ">Slow</textarea>" in html
        assert "Enter a valid e-mail address" in html
        assert 'value="bad"' in html
