from __future__ import annotations

import pytest
from django.test import Client

from accounts.api import BusinessScopedViewSet
from tests.helpers import answer

pytestmark = pytest.mark.django_db


def test_members_list_their_surveys_and_owners_their_responses(
    survey_a, survey_b, alice, bob, client_of
):
    answer(survey_a, 9, "Nice")
    answer(survey_b, 1, "Other business")
    surveys = client_of(bob).get("/api/v1/surveys/").json()["results"]
    assert [s["uuid"] for s in surveys] == [str(survey_a.uuid)]
    assert surveys[0]["public_url"] == f"http://testserver/s/{survey_a.uuid}/"
    responses = client_of(alice).get("/api/v1/responses/").json()["results"]
    assert len(responses) == 1
    texts = [a["text"] for a in responses[0]["answers"]]
    assert "Nice" in texts


def test_staff_may_not_read_the_survey_answers(survey_a, bob, client_of):
    response = answer(survey_a, 2, "Cold coffee")
    client = client_of(bob)
    assert client.get("/api/v1/responses/").status_code == 403
    assert client.get(f"/api/v1/responses/{response.uuid}/").status_code == 403


def test_an_outsider_gets_404_on_every_object(survey_a, charlie, business_b, client_of):
    response = answer(survey_a, 9, "Nice")
    client = client_of(charlie)
    assert client.get(f"/api/v1/surveys/{survey_a.uuid}/").status_code == 404
    assert client.get(f"/api/v1/responses/{response.uuid}/").status_code == 404
    assert client.get("/api/v1/responses/").json()["results"] == []


def test_a_member_reads_one_response_with_its_sentiment(
    survey_a, alice, client_of, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = answer(survey_a, 3, "Terrible wait, awful.")
    body = client_of(alice).get(f"/api/v1/responses/{response.uuid}/").json()
    score, comment = sorted(body["answers"], key=lambda a: a["kind"])
    assert score["number"] == 3
    assert score["sentiment"] is None
    assert comment["sentiment"]["label"] == "negative"
    assert comment["sentiment"]["score"] <= -0.05


def test_an_unscored_comment_has_no_sentiment_yet(survey_a, alice, client_of):
    response = answer(survey_a, 3, "Terrible wait, awful.")  # commit hooks not run: no worker
    body = client_of(alice).get(f"/api/v1/responses/{response.uuid}/").json()
    comment = next(a for a in body["answers"] if a["kind"] == "text")
    assert comment["sentiment"] is None


def test_anonymous_api_calls_are_refused(survey_a):
    assert Client().get("/api/v1/surveys/").status_code in {401, 403}
    assert Client().get("/api/v1/metrics/kpis/").status_code in {401, 403}


def test_the_base_class_refuses_a_get_queryset_override():
    with pytest.raises(TypeError, match="scoped_queryset"):

        class Leaky(BusinessScopedViewSet):
            def get_queryset(self):
                return None


def test_the_schema_and_docs_are_served(db):
    schema = Client().get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/public/surveys/{survey_uuid}/responses/" in schema.content
    docs = Client().get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
