from __future__ import annotations

import json

import pytest
from drf_spectacular.generators import SchemaGenerator

from accounts.models import AuditEntry
from accounts.services import api_key_create
from feedback.models import Answer, Question, Survey
from feedback.services import response_submit
from tests.helpers import with_answered_follow_up

pytestmark = pytest.mark.django_db


def send(client, method: str, path: str, body=None, **extra):
    return getattr(client, method)(
        path, data=json.dumps(body or {}), content_type="application/json", **extra
    )


def test_a_manager_builds_a_survey_from_a_template(mia, business_a, client_of):
    reply = send(client_of(mia), "post", "/api/v1/surveys/", {"template": "retail.purchase"})
    assert reply.status_code == 201, reply.content
    body = reply.json()
    assert body["name"] == "After a purchase"
    assert [q["kind"] for q in body["questions"]] == ["nps", "text", "text", "ces", "rating"]
    follow_up = body["questions"][1]
    assert follow_up["show_if"] == {
        "question": body["questions"][0]["uuid"], "min": 0, "max": 6, "choices": [],
    }  # fmt: skip


def test_questions_through_the_api(alice, survey_a, client_of):
    client = client_of(alice)
    nps_uuid = str(survey_a.questions.get(kind="nps").uuid)
    reply = send(client, "post", f"/api/v1/surveys/{survey_a.uuid}/questions/", {
        "kind": "multiple_choice", "prompt": "What did you have?", "required": False,
        "choices": ["Coffee", "Cake"], "show_if": {"question": nps_uuid, "min": 9, "max": 10},
    })  # fmt: skip
    assert reply.status_code == 201, reply.content
    question_uuid = reply.json()["uuid"]
    changed = send(client, "put", f"/api/v1/questions/{question_uuid}/", {
        "kind": "single_choice", "prompt": "Favourite?", "choices": ["Coffee", "Cake", "Tea"],
    })  # fmt: skip
    assert changed.status_code == 200, changed.content
    assert changed.json()["choices"] == ["Coffee", "Cake", "Tea"]
    moved = send(client, "post", f"/api/v1/questions/{question_uuid}/move/", {"direction": "up"})
    assert moved.json()["position"] == 2
    assert send(client, "delete", f"/api/v1/questions/{question_uuid}/").status_code == 204
    assert survey_a.questions.count() == 2


def test_errors_name_the_fields(alice, survey_a, survey_b, client_of):
    other = str(survey_b.questions.get(kind="nps").uuid)
    reply = send(client_of(alice), "post", f"/api/v1/surveys/{survey_a.uuid}/questions/", {
        "kind": "single_choice", "prompt": "Pick", "choices": ["One"],
    })  # fmt: skip
    assert reply.status_code == 400
    assert list(reply.json()["errors"]) == ["choices"]
    reply = send(client_of(alice), "post", f"/api/v1/surveys/{survey_a.uuid}/questions/", {
        "kind": "text", "prompt": "Why?", "show_if": {"question": other, "max": 6},
    })  # fmt: skip
    assert reply.status_code == 400
    assert "show_if" in reply.json()["errors"]
    bad_survey = send(client_of(alice), "post", "/api/v1/surveys/", {"template": "nope"})
    assert list(bad_survey.json()["errors"]) == ["template"]
    assert Question.objects.filter(survey=survey_a).count() == 2


def test_surveys_are_archived_not_deleted(alice, survey_a, client_of):
    client = client_of(alice)
    reply = send(client, "patch", f"/api/v1/surveys/{survey_a.uuid}/", {"status": "archived"})
    assert reply.json()["status"] == "archived"
    assert send(client, "delete", f"/api/v1/surveys/{survey_a.uuid}/").status_code == 405
    assert Survey.objects.filter(pk=survey_a.pk).exists()


def test_trust_items_through_the_api(alice, survey_a, client_of):
    reply = send(client_of(alice), "post", f"/api/v1/surveys/{survey_a.uuid}/trust-items/")
    pillars = [q["pillar"] for q in reply.json()["questions"] if q["kind"] == "trust"]
    assert pillars == ["reliability", "integrity", "competence", "benevolence"]


def test_staff_read_but_do_not_build(bob, survey_a, client_of):
    client = client_of(bob)
    assert client.get(f"/api/v1/surveys/{survey_a.uuid}/").status_code == 200
    assert send(client, "post", "/api/v1/surveys/", {"name": "Mine"}).status_code == 403
    question = survey_a.questions.first()
    assert send(client, "delete", f"/api/v1/questions/{question.uuid}/").status_code == 403
    assert survey_a.questions.count() == 2


def test_a_write_key_builds_and_a_read_key_does_not(business_a, client):
    _, write_key = api_key_create(business=business_a, name="W", scope="write", created_by=None)
    _, read_key = api_key_create(business=business_a, name="R", created_by=None)
    body = {"name": "From the till"}
    assert send(client, "post", "/api/v1/surveys/", body,
                HTTP_AUTHORIZATION=f"Api-Key {read_key}").status_code == 403  # fmt: skip
    assert send(client, "post", "/api/v1/surveys/", body,
                HTTP_AUTHORIZATION=f"Api-Key {write_key}").status_code == 201  # fmt: skip


def test_outsiders_get_404(charlie, business_b, survey_a, client_of):
    client = client_of(charlie)
    question = survey_a.questions.first()
    assert (
        send(client, "patch", f"/api/v1/surveys/{survey_a.uuid}/", {"name": "x"}).status_code == 404
    )
    assert send(client, "post", f"/api/v1/surveys/{survey_a.uuid}/questions/",
                {"kind": "text", "prompt": "x"}).status_code == 404  # fmt: skip
    assert send(client, "put", f"/api/v1/questions/{question.uuid}/",
                {"kind": "text", "prompt": "x"}).status_code == 404  # fmt: skip
    assert send(client, "delete", f"/api/v1/questions/{question.uuid}/").status_code == 404
    survey_a.refresh_from_db()
    assert survey_a.name == "Net Promoter Score" and survey_a.questions.count() == 2


def test_automatic_invitations_are_set_through_the_api(alice, survey_a, client_of):
    client = client_of(alice)
    path = f"/api/v1/surveys/{survey_a.uuid}/"
    reply = send(
        client, "patch", path, {"invite_after_purchase_hours": 3, "reminder_after_hours": None}
    )
    assert (reply.json()["invite_after_purchase_hours"], reply.json()["reminder_after_hours"]) == (
        3,
        None,
    )
    bad = send(client, "patch", path, {"invite_after_purchase_hours": 0})
    assert list(bad.json()["errors"]) == ["invite_after_purchase_hours"]


def test_a_question_with_answers_is_deleted_only_when_confirmed(alice, survey_a, client_of):
    client = client_of(alice)
    nps, _follow_up = with_answered_follow_up(survey_a)
    path = f"/api/v1/questions/{nps.uuid}/"
    refused = send(client, "delete", path)
    assert refused.status_code == 409
    assert refused.json()["errors"] == {
        "confirm": ["Removing this question also deletes 2 answers and 1 follow-up question."]
    }
    assert refused.json()["counts"] == {"answers": 2, "follow_ups": 1}
    bad = send(client, "delete", path + "?confirm=perhaps")
    assert (bad.status_code, list(bad.json()["errors"])) == (400, ["confirm"])
    assert survey_a.questions.count() == 3 and Answer.objects.count() == 2
    assert send(client, "delete", path + "?confirm=true").status_code == 204
    assert list(survey_a.questions.values_list("kind", "position")) == [("text", 1)]
    assert not Answer.objects.exists()
    assert AuditEntry.objects.get(action="question.delete").detail["answers"] == 2


def test_a_confirmed_deletion_is_refused_when_answers_arrived_after_the_counts(
    alice, survey_a, client_of
):
    client = client_of(alice)
    nps, follow_up = with_answered_follow_up(survey_a)
    path = f"/api/v1/questions/{nps.uuid}/"
    assert send(client, "delete", path).status_code == 409  # names 2 answers, 1 follow-up
    response_submit(survey=survey_a, raw_answers={str(nps.uuid): 2, str(follow_up.uuid): "Cold"})

    refused = send(client, "delete", path + "?confirm=true&answers=2&follow_ups=1")

    assert refused.status_code == 409
    assert refused.json() == {
        "detail": "More answers arrived after the counts you confirmed.",
        "errors": {"confirm": [
            "More answers arrived after the counts you confirmed.",
            "Removing this question also deletes 4 answers and 1 follow-up question.",
        ]},
        "counts": {"answers": 4, "follow_ups": 1},
    }  # fmt: skip
    assert survey_a.questions.count() == 3 and Answer.objects.count() == 4
    assert send(client, "delete", path + "?confirm=true&answers=4").status_code == 204
    assert not Answer.objects.exists()


def test_the_counts_confirmed_are_checked(alice, survey_a, client_of):
    client = client_of(alice)
    nps, _follow_up = with_answered_follow_up(survey_a)
    path = f"/api/v1/questions/{nps.uuid}/"
    bad = send(client, "delete", path + "?confirm=true&answers=-1&follow_ups=x")
    assert (bad.status_code, sorted(bad.json()["errors"])) == (400, ["answers", "follow_ups"])
    too_few = send(client, "delete", path + "?confirm=true&answers=2&follow_ups=0")
    assert too_few.status_code == 409
    assert too_few.json()["errors"]["confirm"][0] == (
        "More follow-up questions were added after the counts you confirmed."
    )
    assert survey_a.questions.count() == 3


def test_outsiders_cannot_confirm_a_deletion(charlie, business_b, survey_a, client_of):
    nps, _follow_up = with_answered_follow_up(survey_a)
    reply = send(
        client_of(charlie), "delete", f"/api/v1/questions/{nps.uuid}/?confirm=true&answers=2"
    )
    assert reply.status_code == 404
    assert survey_a.questions.count() == 3 and Answer.objects.count() == 2


def test_the_confirm_parameters_are_in_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    delete = schema["paths"]["/api/v1/questions/{uuid}/"]["delete"]
    query = {p["name"]: p for p in delete["parameters"] if p["in"] == "query"}
    assert set(query) == {"confirm", "answers", "follow_ups"}
    assert query["answers"]["schema"]["type"] == "integer"
    assert "409" in delete["responses"]


def test_the_type_of_an_answered_question_cannot_change(alice, survey_a, client_of):
    nps, _follow_up = with_answered_follow_up(survey_a)
    reply = send(client_of(alice), "put", f"/api/v1/questions/{nps.uuid}/",
                 {"kind": "text", "prompt": "Anything?"})  # fmt: skip
    assert reply.status_code == 400
    assert reply.json()["errors"] == {
        "kind": ["This question has 1 answer; its type can't change. Add a new question instead."]
    }
    nps.refresh_from_db()
    assert nps.kind == "nps"


def test_trust_items_are_added_once_through_the_api(alice, survey_a, client_of):
    client = client_of(alice)
    path = f"/api/v1/surveys/{survey_a.uuid}/trust-items/"
    assert send(client, "post", path).status_code == 200
    again = send(client, "post", path)
    assert again.status_code == 409
    assert again.json()["detail"] == "This survey has the four trust items already."
    assert survey_a.questions.filter(kind="trust").count() == 4


def test_a_condition_that_does_not_fit_the_question_followed_is_refused(alice, survey_a, client_of):
    client = client_of(alice)
    nps = str(survey_a.questions.get(kind="nps").uuid)
    path = f"/api/v1/surveys/{survey_a.uuid}/questions/"
    seat = send(client, "post", path, {"kind": "single_choice", "prompt": "Seat?",
                                       "choices": ["Inside", "Terrace"]}).json()  # fmt: skip
    options_for_a_scale = send(client, "post", path, {
        "kind": "text", "prompt": "Why?",
        "show_if": {"question": nps, "min": 0, "max": 6, "choices": ["Inside"]},
    })  # fmt: skip
    assert options_for_a_scale.status_code == 400
    assert options_for_a_scale.json()["errors"] == {
        "show_if_choices": [
            "The question this follows is a scale: give a range of numbers, not options."
        ]
    }
    range_for_options = send(client, "post", path, {
        "kind": "text", "prompt": "Why?",
        "show_if": {"question": seat["uuid"], "min": 1, "choices": ["Inside"]},
    })  # fmt: skip
    assert range_for_options.status_code == 400
    assert list(range_for_options.json()["errors"]) == ["show_if_min"]
    assert survey_a.questions.count() == 3


def test_a_follow_up_sent_back_as_read_is_kept(alice, survey_a, client_of):
    client = client_of(alice)
    path = f"/api/v1/surveys/{survey_a.uuid}/questions/"
    seat = send(client, "post", path, {"kind": "single_choice", "prompt": "Seat?",
                                       "choices": ["Inside", "Terrace"]}).json()  # fmt: skip
    made = send(client, "post", path, {"kind": "text", "prompt": "Why?",
                                       "show_if": {"question": seat["uuid"],
                                                   "choices": ["Terrace"]}}).json()  # fmt: skip
    assert made["show_if"] == {"question": seat["uuid"], "min": None, "max": None,
                               "choices": ["Terrace"]}  # fmt: skip
    read = client.get(f"/api/v1/questions/{made['uuid']}/").json()
    body = {key: read[key] for key in ("kind", "prompt", "required", "choices", "show_if")}
    changed = send(client, "put", f"/api/v1/questions/{made['uuid']}/", {**body, "prompt": "So?"})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["prompt"], changed.json()["show_if"]) == ("So?", made["show_if"])
