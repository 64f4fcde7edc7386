"""Filing: a submission keeps its answers in one row until a worker files them as Answer
rows; whatever must see every answer files the waiting ones first."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from feedback import filing, services
from feedback.builder.services import QuestionInput, RemovalRefused, question_add, question_delete
from feedback.filing import FILING_KEY, answers_file
from feedback.models import Answer, FollowUpCase, PendingAnswers, Response
from feedback.selectors import with_answers_shown
from feedback.tasks import file_answers, sweep_unfiled_answers
from journeys.models import RollupState, TouchpointDay
from journeys.rollups import coverage_of, local_today
from journeys.tasks import rollup_advance_business
from privacy.services import customer_erase, customer_export
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker_filing(monkeypatch):
    """As with a broker: the answers wait to be filed, and the ids a worker would be sent
    are kept here instead of leaving for Redis."""
    sent: list[tuple[str, list[int]]] = []
    monkeypatch.setattr(services, "tasks_run_eagerly", lambda: False)
    monkeypatch.setattr(filing, "tasks_run_eagerly", lambda: False)
    monkeypatch.setattr(
        filing, "enqueue_ids_on_commit", lambda task, key, ids: sent.append((key, list(ids)))
    )
    return sent


def post_answers(survey, answers: dict, **extra):
    return Client().post(
        f"/api/v1/public/surveys/{survey.uuid}/responses/",
        data=json.dumps({"answers": answers, **extra}),
        content_type="application/json",
    )


def send(survey, score: int, comment: str = "", **extra) -> Response:
    nps, reason = survey.questions.order_by("position")
    answers = {str(nps.uuid): score, **({str(reason.uuid): comment} if comment else {})}
    reply = post_answers(survey, answers, **extra)
    assert reply.status_code == 201, reply.content
    return Response.objects.get(uuid=reply.json()["uuid"])


def test_the_answers_wait_in_one_row_until_a_worker_files_them(
    survey_a, worker_filing, django_capture_on_commit_callbacks
):
    nps, reason = survey_a.questions.order_by("position")
    response = send(survey_a, 9, "Lovely <b>staff</b>, quick service")

    waiting = PendingAnswers.objects.get()
    assert waiting.response_id == response.pk
    assert sorted(waiting.answers, key=lambda given: given["question_id"]) == [
        {"question_id": nps.pk, "number": 9, "choices": [], "text": ""},
        {"question_id": reason.pk, "number": None, "choices": [],
         "text": "Lovely <b>staff</b>, quick service"},
    ]  # fmt: skip
    assert not Answer.objects.exists()
    assert worker_filing == [(FILING_KEY, [response.pk])]

    with django_capture_on_commit_callbacks(execute=True):  # the scoring the filing sends
        assert file_answers.delay(FILING_KEY, [response.pk]).get() == 2

    assert not PendingAnswers.objects.exists()
    filed = {answer.question_id: answer for answer in Answer.objects.all()}
    assert (filed[nps.pk].number, filed[nps.pk].text) == (9, "")
    comment = filed[reason.pk]
    assert comment.text == "Lovely <b>staff</b>, quick service"  # as sent
    assert comment.sentiment_label == "positive"
    assert {answer.created_at for answer in filed.values()} == {response.created_at}
    assert {answer.business_id for answer in filed.values()} == {survey_a.business_id}


def test_answers_are_filed_once_however_often_asked(survey_a, worker_filing):
    response = send(survey_a, 4, "Too slow")
    assert answers_file([response.pk]) == 2
    assert answers_file([response.pk]) == 0
    assert file_answers.delay(FILING_KEY, [response.pk]).get() == 0
    assert Answer.objects.filter(response=response).count() == 2


def test_without_a_broker_the_answers_are_filed_as_the_response_is_stored(survey_a):
    response = send(survey_a, 10, "Perfect")
    assert Answer.objects.filter(response=response).count() == 2
    assert not PendingAnswers.objects.exists()


def test_an_answer_to_a_question_removed_before_filing_is_dropped(survey_a, worker_filing):
    nps = survey_a.questions.get(kind="nps")
    why = question_add(survey=survey_a, data=QuestionInput(kind="text", prompt="Why?"))
    reply = post_answers(survey_a, {str(nps.uuid): 8, str(why.uuid): "Fine"})
    assert reply.status_code == 201
    why.delete()  # as a removal committed between the submission and the filing
    assert answers_file([PendingAnswers.objects.get().pk]) == 1
    assert list(Answer.objects.values_list("question_id", flat=True)) == [nps.pk]


def test_an_answer_naming_another_business_s_question_is_not_filed(
    survey_a, survey_b, worker_filing
):
    response = send(survey_a, 7, "Fine")
    theirs = survey_b.questions.get(kind="nps")
    waiting = PendingAnswers.objects.get(pk=response.pk)
    waiting.answers = [*waiting.answers, {"question_id": theirs.pk, "number": 1,
                                          "choices": [], "text": ""}]  # fmt: skip
    waiting.save()
    assert with_answers_shown([response])[0].answers_shown[-1].question.business_id == (
        survey_a.business_id
    )
    assert len(with_answers_shown([response])[0].answers_shown) == 2
    assert answers_file([response.pk]) == 2
    assert not Answer.objects.filter(question=theirs).exists()


def test_a_response_deleted_before_filing_leaves_nothing(survey_a, worker_filing):
    response = send(survey_a, 3, "Cold food")
    response.delete()
    assert not PendingAnswers.objects.exists()
    assert answers_file([response.pk]) == 0
    assert not Answer.objects.exists()


def test_the_sweeper_files_what_was_never_sent(survey_a, worker_filing):
    old = send(survey_a, 6, "Meh")
    fresh = send(survey_a, 7)
    Response.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    # A fresh response's answers are left to the task its submission sent.
    assert sweep_unfiled_answers.delay().get() == 1
    assert Answer.objects.filter(response=old).count() == 2
    assert list(PendingAnswers.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert sweep_unfiled_answers.delay(older_than_seconds=0).get() == 1
    assert sweep_unfiled_answers.delay(older_than_seconds=0).get() == 0
    assert Answer.objects.count() == 3


def test_a_question_removal_counts_and_removes_answers_not_yet_filed(survey_a, worker_filing):
    nps = survey_a.questions.get(kind="nps")
    why = question_add(survey=survey_a, data=QuestionInput(kind="text", prompt="Why?"))
    assert post_answers(survey_a, {str(nps.uuid): 2, str(why.uuid): "Rude"}).status_code == 201

    with pytest.raises(RemovalRefused) as refused:
        question_delete(question=why)
    assert refused.value.removal.answers == 1  # the one still waiting, filed to be counted

    question_delete(question=why, confirmed=True)
    assert list(Answer.objects.values_list("question_id", "number")) == [(nps.pk, 2)]
    assert not PendingAnswers.objects.exists()


def test_an_erasure_removes_the_words_of_answers_not_yet_filed(
    business_a, survey_a, alice, worker_filing
):
    customer = CustomerFactory(business=business_a, email="dana@example.com")
    send(survey_a, 2, "Dana here, call me on 0612345678",
         contact_requested=True, contact_email="dana@example.com")  # fmt: skip

    customer_erase(business=business_a, customer=customer, actor=alice)

    assert not PendingAnswers.objects.exists()
    assert set(Answer.objects.values_list("number", "text")) == {(2, ""), (None, "")}


def test_an_export_has_the_answers_not_yet_filed(business_a, survey_a, alice, worker_filing):
    customer = CustomerFactory(business=business_a, email="dana@example.com")
    send(survey_a, 9, "Great haircut", contact_requested=True, contact_email="dana@example.com")

    export = customer_export(business=business_a, customer=customer, actor=alice)

    assert "Great haircut" in json.dumps(export)
    assert not PendingAnswers.objects.exists()


def test_a_case_shows_what_the_customer_said_before_it_is_filed(
    survey_a, alice, charlie, business_b, client_of, worker_filing
):
    send(survey_a, 1, "Waited <script>40</script> minutes")
    case = FollowUpCase.objects.get()
    path = f"/cases/{case.uuid}/"

    page = client_of(alice).get(path).content.decode()

    assert "Waited &lt;script&gt;40&lt;/script&gt; minutes" in page
    assert "<script>40" not in page
    assert client_of(charlie).get(path).status_code == 404
    answers_file([case.response_id])
    assert (
        "Waited &lt;script&gt;40&lt;/script&gt; minutes"
        in client_of(alice).get(path).content.decode()
    )


class PausedWorker:
    """answers_file in a thread of its own, held after it has claimed and written its
    batch (its locks held, nothing committed) until `resume()`."""

    def __init__(self, monkeypatch, response_ids: list[int]) -> None:
        self.claimed, self.go, self.result = threading.Event(), threading.Event(), None
        announce = filing.late_rows_announce

        def held_before_commit(oldest):
            if threading.current_thread() is self.thread:
                self.claimed.set()
                self.go.wait(10)
            announce(oldest)

        monkeypatch.setattr(filing, "late_rows_announce", held_before_commit)
        self.thread = threading.Thread(target=self._run, args=(response_ids,))
        self.thread.start()
        assert self.claimed.wait(10), "the worker never claimed its batch"

    def _run(self, response_ids: list[int]) -> None:
        try:
            self.result = answers_file(response_ids)
        finally:
            connection.close()

    def resume(self) -> None:
        self.go.set()
        self.thread.join(10)


def in_thread(call, results: dict, key: str) -> threading.Thread:
    def run() -> None:
        try:
            results[key] = call()
        except Exception as error:  # reported to the test, which names it
            results[key] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_second_worker_given_the_same_responses_waits_and_files_nothing(
    survey_a, worker_filing, monkeypatch
):
    responses = [send(survey_a, score, f"Comment {score}").pk for score in range(10)]
    first = PausedWorker(monkeypatch, responses)
    results: dict = {}
    second = in_thread(lambda: answers_file(responses), results, "second")
    second.join(0.5)
    assert second.is_alive(), "the second worker did not wait for the first one's claim"
    first.resume()
    second.join(10)
    assert (first.result, results["second"]) == (20, 0)
    assert Answer.objects.count() == 20


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_question_removed_while_its_answers_are_filed_counts_them_without_deadlock(
    survey_a, worker_filing, monkeypatch
):
    nps = survey_a.questions.get(kind="nps")
    why = question_add(survey=survey_a, data=QuestionInput(kind="text", prompt="Why?"))
    assert post_answers(survey_a, {str(nps.uuid): 8, str(why.uuid): "Fine"}).status_code == 201
    worker = PausedWorker(monkeypatch, [PendingAnswers.objects.get().pk])
    results: dict = {}
    removal = in_thread(lambda: question_delete(question=why, confirmed=True), results, "removal")
    removal.join(0.5)  # waiting for the worker's claim
    worker.resume()
    removal.join(10)
    assert worker.result == 2
    assert results["removal"].answers == 1  # the worker's answer, counted and removed
    assert list(Answer.objects.values_list("question_id", flat=True)) == [nps.pk]


def test_answers_filed_late_are_taken_into_a_built_roll_up(business_a, survey_a, worker_filing):
    """A broker down for a while: a score-only answer (no text, so no scoring after it)
    filed after the daily roll-up summed its day is summed at the next advance."""
    yesterday = local_today(business_a) - timedelta(days=1)
    response = send(survey_a, 10)
    Response.objects.filter(pk=response.pk).update(created_at=timezone.now() - timedelta(days=1))
    rollup_advance_business.delay(business_a.pk).get()
    assert coverage_of(business_a).through == yesterday
    assert nps_answers_summed(yesterday) == 0  # not filed yet

    answers_file([response.pk])

    assert RollupState.objects.get(business=business_a).rebuild_from == yesterday
    rollup_advance_business.delay(business_a.pk).get()
    assert nps_answers_summed(yesterday) == 1


def nps_answers_summed(day) -> int:
    return sum(TouchpointDay.objects.filter(day=day).values_list("nps_n", flat=True))


def test_the_responses_api_gives_the_answers_as_sent_until_they_are_filed(
    survey_a, alice, charlie, business_b, client_of, worker_filing
):
    older = send(survey_a, 9, "Quick")
    answers_file([older.pk])
    response = send(survey_a, 3, "Slow <i>service</i>")
    expected = [("nps", 3, "", None), ("text", None, "Slow <i>service</i>", None)]

    def answers_of(body: dict) -> list[tuple]:
        return [(a["kind"], a["number"], a["text"], a["sentiment"]) for a in body["answers"]]

    client = client_of(alice)
    assert answers_of(client.get(f"/api/v1/responses/{response.uuid}/").json()) == expected
    listing = client.get("/api/v1/responses/").json()["results"]
    assert {item["uuid"]: answers_of(item) for item in listing} == {
        str(response.uuid): expected,
        str(older.uuid): [("nps", 9, "", None), ("text", None, "Quick", None)],
    }
    assert client_of(charlie).get(f"/api/v1/responses/{response.uuid}/").status_code == 404
    assert client_of(charlie).get("/api/v1/responses/").json()["results"] == []

    answers_file([response.pk])
    assert answers_of(client.get(f"/api/v1/responses/{response.uuid}/").json()) == expected
