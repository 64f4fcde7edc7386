"""The lean public submission path: the survey copy each web process keeps, the one-statement
insert and the short way past DRF must answer exactly as the plain way would."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.test import Client, RequestFactory
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from feedback.api import PublicResponseCreateView, plain_json_post
from feedback.models import (
    Answer,
    Invitation,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyStatus,
)
from feedback.selectors import public_survey_and_questions, public_survey_forget
from feedback.serializers import ResponseSubmitSerializer, SubmittedSerializer, fast_envelope
from tests.factories import CustomerFactory
from tests.feedback.test_migration_unique_invitation import unique_on_invitation
from tests.feedback.test_public_api import post
from tests.helpers import constraints_of

pytestmark = pytest.mark.django_db


def nps_answer(survey, score: int = 9) -> dict:
    nps = survey.questions.order_by("position").first()
    return {"answers": {str(nps.uuid): score}}


def changed_elsewhere(survey: Survey, **changes) -> None:
    """What another web process's edit leaves behind: the row changed and its version
    raised, while this process still holds its copy from before."""
    Survey.objects.filter(pk=survey.pk).update(
        definition_version=F("definition_version") + 1, **changes
    )


def test_a_copy_another_process_made_stale_is_refused_and_read_again(survey_a):
    assert post(survey_a, nps_answer(survey_a)).status_code == 201
    changed_elsewhere(survey_a, status=SurveyStatus.CLOSED)
    reply = post(survey_a, nps_answer(survey_a))
    assert reply.status_code == 410
    assert Response.objects.count() == 1


def test_a_question_added_elsewhere_is_asked_at_once(survey_a):
    assert post(survey_a, nps_answer(survey_a)).status_code == 201
    added = Question.objects.create(
        business=survey_a.business, survey=survey_a, position=3, kind=QuestionKind.CSAT,
        prompt="How was it?", required=True,
    )  # fmt: skip
    changed_elsewhere(survey_a)
    reply = post(survey_a, nps_answer(survey_a))
    assert reply.status_code == 400
    assert reply.json()["errors"] == {f"answers.{added.uuid}": ["Please answer this question."]}
    assert Response.objects.count() == 1


def test_a_survey_deleted_since_it_was_copied_answers_404(survey_a):
    body = nps_answer(survey_a)
    assert post(survey_a, body).status_code == 201
    Survey.objects.filter(pk=survey_a.pk).delete()
    reply = post(survey_a, body)
    assert reply.status_code == 404
    assert not Response.objects.exists() and not Answer.objects.exists()


def test_every_builder_change_raises_the_version_and_a_later_save_keeps_it(survey_a):
    before = survey_a.definition_version
    public_survey_forget(survey_a)
    assert survey_a.definition_version == before + 1
    survey_a.name = "Renamed"
    survey_a.save()  # a full save of the same instance must not write the old version back
    assert Survey.objects.get(pk=survey_a.pk).definition_version == before + 1


def test_a_full_save_of_an_instance_read_before_a_change_keeps_the_new_version(survey_a):
    stale = Survey.objects.get(pk=survey_a.pk)
    public_survey_forget(survey_a)
    current = Survey.objects.get(pk=survey_a.pk).definition_version
    stale.name = "Renamed elsewhere"
    stale.save()
    stored = Survey.objects.get(pk=survey_a.pk)
    assert stored.name == "Renamed elsewhere" and stored.definition_version == current


def test_the_copy_is_the_survey_as_stored(survey_a):
    survey, questions = public_survey_and_questions(survey_uuid=survey_a.uuid)
    assert survey.pk == survey_a.pk
    assert [q.pk for q in questions] == list(
        survey_a.questions.order_by("position").values_list("pk", flat=True)
    )


def test_it_stores_the_same_rows_as_the_orm_would(survey_a, django_capture_on_commit_callbacks):
    nps, reason = survey_a.questions.order_by("position")
    body = {"answers": {str(nps.uuid): 3, str(reason.uuid): "Cold."}, "channel": "qr"}
    with django_capture_on_commit_callbacks(execute=True):
        reply = post(survey_a, body)
    assert reply.status_code == 201
    response = Response.objects.get(uuid=reply.json()["uuid"])
    assert (response.business_id, response.survey_id, response.channel) == (
        survey_a.business_id, survey_a.pk, "qr",
    )  # fmt: skip
    answers = {a.question_id: a for a in response.answers.all()}
    assert answers[nps.pk].number == 3 and answers[nps.pk].choices == []
    assert answers[reason.pk].text == "Cold."
    assert answers[reason.pk].is_scored  # the comment reached the scoring task
    assert all(a.created_at == response.created_at for a in answers.values())
    assert len({a.uuid for a in answers.values()}) == 2
    assert response.case  # a detractor opens a case in the same transaction


@pytest.mark.django_db(transaction=True)
def test_a_new_database_connection_works_as_the_first(survey_a):
    assert post(survey_a, nps_answer(survey_a)).status_code == 201
    connection.close()  # the next request prepares its statement on a new connection
    assert post(survey_a, nps_answer(survey_a)).status_code == 201
    assert Response.objects.count() == 2


QUESTION = str(uuid.uuid4())
BODIES = [
    {"answers": {QUESTION: 7}},
    {"answers": {}, "channel": "qr", "contact_requested": True, "contact_email": " a@b.co "},
    {"answers": {QUESTION: "x"}, "location": str(uuid.uuid4()), "extra": 1},
    {"answers": {QUESTION: 7}, "location": None},
    {"answers": []},
    {"answers": None},
    {},
    [],
    "text",
    {"answers": {}, "channel": "fax"},
    {"answers": {}, "channel": ""},
    {"answers": {}, "channel": ["qr"]},
    {"answers": {}, "contact_requested": "true"},
    {"answers": {}, "contact_requested": 1},
    {"answers": {}, "contact_requested": None},
    {"answers": {}, "contact_email": 5},
    {"answers": {}, "contact_email": None},
    {"answers": {}, "contact_email": "a" * 255},
    {"answers": {}, "contact_email": " " + "a" * 254 + " "},
    {"answers": {}, "contact_email": "a\x00b"},
    {"answers": {}, "location": "not-a-uuid"},
    {"answers": {}, "location": 12},
    {"answers": {}, "location": ""},
]


@pytest.mark.parametrize("body", BODIES[:4])
def test_the_usual_bodies_are_read_the_fast_way(body):
    assert fast_envelope(body) is not None


@pytest.mark.parametrize("body", BODIES)
def test_the_fast_reader_takes_only_what_the_serializer_takes_and_reads_it_alike(body):
    serializer = ResponseSubmitSerializer(data=body)
    fast = fast_envelope(body)
    if fast is not None:
        assert serializer.is_valid(), serializer.errors
        assert fast == {"location": None, **serializer.validated_data}


@pytest.mark.parametrize(
    "body",
    [
        {"answers": {"nope": 7}},
        {"answers": []},
        {"answers": {}, "channel": "fax"},
        [1],
        "{not json",
        '{"answers": NaN}',
        '{"answers": {"\\ud800": 1}}',
        "",
    ],
)
def test_the_short_way_answers_exactly_as_drf(survey_a, body):
    short = post(survey_a, body)
    # A different Accept header sends the same request through DRF's content negotiation.
    drf = post(survey_a, body, HTTP_ACCEPT="application/json; indent=0")
    assert short.status_code == drf.status_code >= 400
    assert short.json() == drf.json()
    for header in ("Content-Type", "Allow", "Retry-After"):
        assert short.get(header) == drf.get(header)
    assert not Response.objects.exists()


@pytest.mark.parametrize("zone", ["UTC", "Europe/Madrid"])
def test_the_short_way_answers_201_as_drf(survey_a, settings, zone):
    """Both ways answer a stored submission with created_reply, which writes what the
    serializer of a submitted response gives, as DRF's JSON renderer would write it."""
    settings.TIME_ZONE = zone
    short, drf = post(survey_a, nps_answer(survey_a)), post(survey_a, nps_answer(survey_a),
                                                              HTTP_ACCEPT="*/*; q=0.5")  # fmt: skip
    assert short.status_code == drf.status_code == 201
    for reply in (short, drf):
        stored = Response.objects.get(uuid=reply.json()["uuid"])
        assert reply.json() == SubmittedSerializer(stored).data
        assert reply.content == JSONRenderer().render(SubmittedSerializer(stored).data)
    assert short["Allow"] == drf["Allow"] == "POST, OPTIONS"
    assert short["Content-Type"] == drf["Content-Type"] == "application/json"
    assert short.json()["created_at"].endswith("Z") == (zone == "UTC")


def test_a_body_in_another_encoding_is_refused_as_drf_refuses_it(survey_a):
    body = '{"answers": {"x": "Café"}}'.encode("latin-1")  # not UTF-8
    short = post(survey_a, body)
    drf = post(survey_a, body, HTTP_ACCEPT="application/json; indent=2")
    assert short.status_code == drf.status_code == 400
    assert short.json() == drf.json()
    assert not Response.objects.exists()


def test_text_is_stored_exactly_as_sent(survey_a):
    """The answers travel to PostgreSQL as one JSON parameter: quotes, backslashes, line
    breaks, JSON-looking text and characters beyond ASCII come back as they were sent."""
    nps, reason = survey_a.questions.order_by("position")
    text = 'He said "no" \\ then\n\tleft; {"a": [1]} \u2028 café 😀 \\u0041 \'; --'
    reply = post(survey_a, {"answers": {str(nps.uuid): 10, str(reason.uuid): text}})
    assert reply.status_code == 201
    stored = Answer.objects.get(question=reason)
    assert stored.text == text
    assert Answer.objects.get(question=nps).number == 10


def test_the_short_way_still_counts_against_the_rate_limit(survey_a, settings):
    settings.PUBLIC_RATE_PER_SURVEY = "1/m"
    assert post(survey_a, nps_answer(survey_a)).status_code == 201
    reply = post(survey_a, nps_answer(survey_a))
    assert reply.status_code == 429
    assert int(reply["Retry-After"]) >= 1
    assert Response.objects.count() == 1
    # The limit comes before the body is read: a limited flood's bodies cost no parsing.
    assert post(survey_a, '{"answers": ').status_code == 429


def test_a_body_that_does_not_parse_is_worded_as_drf_words_it(survey_a):
    short = post(survey_a, '{"answers": ')
    drf = post(survey_a, '{"answers": ', HTTP_ACCEPT="application/json; indent=2")
    assert short.status_code == drf.status_code == 400
    assert short.json()["detail"] == drf.json()["detail"]
    assert short.json()["detail"] == "The body is not valid JSON."


def test_the_view_keeps_its_schema():
    assert issubclass(PublicResponseCreateView, APIView)  # still a DRF view, documented
    reply = Client().get("/api/schema/")
    assert reply.status_code == 200
    assert b"/api/v1/public/surveys/{survey_uuid}/responses/" in reply.content


def test_the_public_api_is_the_first_route_tried():
    """Each pattern tried before it costs every submission; no other prefix may match it."""
    from django.urls import resolve

    from cxplatform.urls import urlpatterns

    assert str(urlpatterns[0].pattern) == "api/v1/"
    match = resolve(f"/api/v1/public/surveys/{uuid.uuid4()}/responses/")
    assert match.url_name == "public-survey-responses" and match.namespace == "api"


def response_index_definitions() -> list[str]:
    """The SQL that created each index of feedback_response (both databases keep it)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'feedback_response'")
        else:
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 'feedback_response' AND sql IS NOT NULL"
            )
        return [row[0].replace('"', "") for row in cursor.fetchall()]


@pytest.mark.parametrize("column", ["customer_id", "location_id"])
def test_customer_and_location_are_indexed_only_where_set(column):
    alone = [d for d in response_index_definitions() if d.rstrip().endswith(f"({column})")]
    partial = [d for d in response_index_definitions() if f"({column}) WHERE" in d]
    assert alone == [] and len(partial) == 1
    assert f"{column} IS NOT NULL" in partial[0]


def test_only_answered_invitations_are_in_the_unique_index():
    """Most answers come by no invitation: the one unique index on the column holds
    answered invitations only, and the column has no unique constraint of its own."""
    column = Response._meta.get_field("invitation").column
    assert unique_on_invitation() == ["response_unique_invitation"]
    (partial,) = [d for d in response_index_definitions() if f"({column}) WHERE" in d]
    assert partial.startswith("CREATE UNIQUE INDEX") and f"{column} IS NOT NULL" in partial


def test_an_invitation_is_answered_once_and_answers_without_one_are_not_limited(survey_a):
    """What the partial index must keep of the whole column's unique constraint: the
    database refuses a second answer to one invitation, takes any number without one,
    and an invitation deleted leaves its answer."""
    business = survey_a.business
    invitation = Invitation.objects.create(
        business=business, survey=survey_a, customer=CustomerFactory(business=business),
        token="once", send_at=timezone.now(),
    )  # fmt: skip
    anonymous = [Response.objects.create(business=business, survey=survey_a) for _ in range(2)]
    answered = Response.objects.create(business=business, survey=survey_a, invitation=invitation)
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(business=business, survey=survey_a, invitation=invitation)

    invitation.delete()  # its answer stays, no longer tied to it

    answered.refresh_from_db()
    assert answered.invitation_id is None
    assert Response.objects.count() == len(anonymous) + 1


def test_a_deleted_customer_or_location_leaves_the_answer_anonymous(survey_a):
    from accounts.models import Location
    from tests.factories import CustomerFactory

    customer = CustomerFactory(business=survey_a.business)
    location = Location.objects.create(business=survey_a.business, name="Harbour")
    response = Response.objects.create(
        business=survey_a.business, survey=survey_a, customer=customer, location=location
    )
    found = Response.objects.filter(customer=customer, location=location)
    assert list(found) == [response]
    customer.delete()
    location.delete()
    response.refresh_from_db()
    assert (response.customer_id, response.location_id) == (None, None)


def test_answers_carry_their_response_business_and_go_with_the_business(survey_a, survey_b):
    """A response's and an answer's business have no constraint of their own (see
    BUSINESS_COPY): they are their parent's, and deleting a business takes its
    responses and answers, and no one else's."""
    for survey in (survey_a, survey_b):
        assert post(survey, nps_answer(survey)).status_code == 201
    answers = Answer.objects.select_related("response__survey")
    assert answers.count() == 2
    for answer in answers:
        assert (
            answer.business_id == answer.response.business_id == answer.response.survey.business_id
        )

    survey_a.business.delete()

    assert list(Response.objects.values_list("business_id", flat=True)) == [survey_b.business_id]
    assert list(Answer.objects.values_list("business_id", flat=True)) == [survey_b.business_id]


def test_answers_go_with_their_response_without_a_constraint(survey_a, survey_b):
    """An answer's response has no foreign key in the database (each check locked the new
    response's row again at commit); Django's cascade still takes the answers with it."""
    for survey in (survey_a, survey_b):
        assert post(survey, nps_answer(survey)).status_code == 201
    constraints = constraints_of(Answer._meta.db_table)
    referenced = {c["foreign_key"][0] for c in constraints.values() if c["foreign_key"]}
    assert Response._meta.db_table not in referenced
    assert Question._meta.db_table in referenced  # the question's stays

    Response.objects.get(survey=survey_a).delete()

    assert list(Answer.objects.values_list("response__survey", flat=True)) == [survey_b.pk]


@pytest.mark.parametrize(
    ("query", "short"),
    [("", True), ("?utm_source=qr&table=4", True), ("?format=json", False), ("?format=api", False)],
)
def test_only_a_format_in_the_query_string_sends_a_submission_through_drf(query, short):
    request = RequestFactory().post(f"/x/{query}", "{}", content_type="application/json")
    assert plain_json_post(request) is short


def test_a_submission_with_a_query_string_is_stored_either_way(survey_a):
    for query in ("?utm_source=qr", "?format=json"):
        reply = Client().post(
            f"/api/v1/public/surveys/{survey_a.uuid}/responses/{query}",
            data=nps_answer(survey_a), content_type="application/json",
        )  # fmt: skip
        assert reply.status_code == 201, query
        assert reply["Allow"] == "POST, OPTIONS"
    assert Response.objects.count() == 2
