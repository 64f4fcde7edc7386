from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client

from feedback.builder.services import QuestionInput, question_update, survey_update
from feedback.models import Answer, Response, SurveyStatus

pytestmark = pytest.mark.django_db


def url(survey) -> str:
    return f"/api/v1/public/surveys/{survey.uuid}/responses/"


def questions(survey):
    nps, reason = survey.questions.order_by("position")
    return nps, reason


def post(survey, body, **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return Client().post(url(survey), data=data, content_type="application/json", **extra)


def nothing_written() -> bool:
    return not Response.objects.exists() and not Answer.objects.exists()


def test_it_stores_a_response_and_scores_the_comment(survey_a, django_capture_on_commit_callbacks):
    nps, reason = questions(survey_a)
    with django_capture_on_commit_callbacks(execute=True):
        reply = post(survey_a, {"answers": {str(nps.uuid): 9, str(reason.uuid): "Lovely staff!"}})
    assert reply.status_code == 201
    response = Response.objects.get(uuid=reply.json()["uuid"])
    assert response.business == survey_a.business
    assert response.channel == "api"
    comment = response.answers.get(question=reason)
    assert comment.text == "Lovely staff!"
    assert comment.sentiment_label == "positive"
    assert comment.sentiment_score >= 0.05
    assert response.answers.get(question=nps).number == 9


def test_the_comment_is_optional(survey_a):
    nps, _ = questions(survey_a)
    reply = post(survey_a, {"answers": {str(nps.uuid): 0}})
    assert reply.status_code == 201
    assert Answer.objects.count() == 1


def test_it_returns_the_questions_of_a_survey(survey_a):
    reply = Client().get(f"/api/v1/public/surveys/{survey_a.uuid}/")
    assert reply.status_code == 200
    kinds = [q["kind"] for q in reply.json()["questions"]]
    assert kinds == ["nps", "text"]
    assert reply.json()["questions"][0]["scale"] == {
        "min": 0,
        "max": 10,
        "min_label": "Not at all likely",
        "max_label": "Extremely likely",
    }


def test_an_unknown_survey_is_404(db):
    reply = post(type("S", (), {"uuid": uuid.uuid4()}), {"answers": {}})
    assert reply.status_code == 404
    assert Client().get(f"/api/v1/public/surveys/{uuid.uuid4()}/").status_code == 404


def test_malformed_json_is_400_naming_the_body(survey_a):
    reply = post(survey_a, '{"answers": {')
    assert reply.status_code == 400
    assert "body" in reply.json()["errors"]
    assert nothing_written()


def test_a_body_that_is_not_an_object_is_400(survey_a):
    reply = post(survey_a, [1, 2, 3])
    assert reply.status_code == 400
    assert "body" in reply.json()["errors"]


def test_answers_must_be_an_object(survey_a):
    reply = post(survey_a, {"answers": ["9"]})
    assert reply.status_code == 400
    assert "answers" in reply.json()["errors"]
    assert nothing_written()


@pytest.mark.parametrize("score", [11, -1, 100, 7.5, "seven", True, None, [9], {"v": 9}])
def test_a_score_outside_0_to_10_or_not_whole_is_400_naming_the_field(survey_a, score):
    nps, reason = questions(survey_a)
    reply = post(survey_a, {"answers": {str(nps.uuid): score, str(reason.uuid): "kept?"}})
    assert reply.status_code == 400
    errors = reply.json()["errors"]
    assert list(errors) == [f"answers.{nps.uuid}"]
    assert nothing_written()


@pytest.mark.parametrize("score", [0, 10, "7", 8.0])
def test_whole_numbers_in_range_are_accepted(survey_a, score):
    nps, _ = questions(survey_a)
    assert post(survey_a, {"answers": {str(nps.uuid): score}}).status_code == 201


def test_a_missing_required_answer_is_400(survey_a):
    _, reason = questions(survey_a)
    reply = post(survey_a, {"answers": {str(reason.uuid): "Forgot the score"}})
    assert reply.status_code == 400
    nps, _ = questions(survey_a)
    assert f"answers.{nps.uuid}" in reply.json()["errors"]
    assert nothing_written()


def test_a_missing_answers_field_is_400(survey_a):
    reply = post(survey_a, {})
    assert reply.status_code == 400
    assert "answers" in reply.json()["errors"]


def test_an_answer_to_a_question_of_another_survey_is_refused(survey_a, survey_b):
    nps, _ = questions(survey_a)
    other_nps, _ = questions(survey_b)
    reply = post(survey_a, {"answers": {str(nps.uuid): 9, str(other_nps.uuid): 3}})
    assert reply.status_code == 400
    assert f"answers.{other_nps.uuid}" in reply.json()["errors"]
    assert nothing_written()


def test_a_comment_must_be_text(survey_a):
    nps, reason = questions(survey_a)
    reply = post(survey_a, {"answers": {str(nps.uuid): 9, str(reason.uuid): 12345}})
    assert reply.status_code == 400
    assert f"answers.{reason.uuid}" in reply.json()["errors"]


def test_a_body_over_64_kb_is_413(survey_a):
    nps, reason = questions(survey_a)
    body = {"answers": {str(nps.uuid): 9, str(reason.uuid): "x" * (65 * 1024)}}
    reply = post(survey_a, body)
    assert reply.status_code == 413
    assert "body" in reply.json()["errors"]
    assert nothing_written()


def test_a_location_of_another_business_is_refused(survey_a, business_b):
    from accounts.services import location_create

    other = location_create(business=business_b, name="Elsewhere")
    nps, _ = questions(survey_a)
    reply = post(survey_a, {"answers": {str(nps.uuid): 9}, "location": str(other.uuid)})
    assert reply.status_code == 400
    assert "location" in reply.json()["errors"]
    assert nothing_written()


def test_a_closed_survey_answers_410(survey_a):
    survey_a.status = SurveyStatus.CLOSED
    survey_a.save()
    nps, _ = questions(survey_a)
    reply = post(survey_a, {"answers": {str(nps.uuid): 9}})
    assert reply.status_code == 410
    assert nothing_written()


def test_closing_a_survey_takes_effect_at_once_though_it_is_cached(
    survey_a, django_capture_on_commit_callbacks
):
    nps, _ = questions(survey_a)
    assert post(survey_a, {"answers": {str(nps.uuid): 9}}).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        survey_update(survey=survey_a, status=SurveyStatus.CLOSED)
    assert post(survey_a, {"answers": {str(nps.uuid): 9}}).status_code == 410
    assert Response.objects.count() == 1


def test_an_edited_question_takes_effect_at_once_though_it_is_cached(
    survey_a, django_capture_on_commit_callbacks
):
    nps, reason = questions(survey_a)
    assert post(survey_a, {"answers": {str(nps.uuid): 9}}).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        question_update(
            question=reason,
            data=QuestionInput(kind=reason.kind, prompt=reason.prompt, required=True),
        )
    reply = post(survey_a, {"answers": {str(nps.uuid): 9}})
    assert reply.status_code == 400
    assert f"answers.{reason.uuid}" in reply.json()["errors"]


def test_customer_text_is_stored_exactly_as_given(survey_a):
    nps, reason = questions(survey_a)
    text = '<script>alert("hi")</script> café 👍🏽 "quoted" & more\n  second line  '
    assert (
        post(survey_a, {"answers": {str(nps.uuid): 4, str(reason.uuid): text}}).status_code == 201
    )
    assert Answer.objects.get(question=reason).text == text


def test_a_get_never_creates_a_response(survey_a):
    assert Client().get(url(survey_a)).status_code == 405
    assert nothing_written()


def test_too_many_submissions_to_one_survey_get_429(survey_a, settings):
    settings.PUBLIC_RATE_PER_SURVEY = "2/m"
    nps, _ = questions(survey_a)
    codes = [post(survey_a, {"answers": {str(nps.uuid): 9}}).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    assert Response.objects.count() == 2


def test_the_limit_per_address_answers_with_retry_after(survey_a, settings):
    settings.PUBLIC_RATE_PER_IP = "1/m"
    nps, _ = questions(survey_a)
    assert post(survey_a, {"answers": {str(nps.uuid): 9}}).status_code == 201
    reply = post(survey_a, {"answers": {str(nps.uuid): 9}})
    assert reply.status_code == 429
    assert int(reply["Retry-After"]) >= 1
    assert "body" in reply.json()["errors"]
