"""Filing: a submission's answers, kept as sent in PendingAnswers, become Answer rows.

A submission stores its response and one row holding its checked answers
(services.response_insert) and asks a worker to file them once it commits: the worker
writes the Answer rows of a batch of responses at a time and sends their comments to be
scored. Answers not filed within a couple of minutes (broker down, worker killed, a web
process gone before its batch left) are filed by the sweeper
(tasks.sweep_unfiled_answers). Without a broker, where tasks run in their caller, the
answers are filed in the submission's own transaction.

What must see every answer it reads or changes (an erasure, the retention period, a
customer's export, a question's removal) files the answers in its reach first
(answers_file_pending).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from functools import lru_cache

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from cxplatform.batching import batched
from cxplatform.celery import enqueue_ids_on_commit, tasks_run_eagerly
from textanalysis.services import late_rows_announce, oldest_by_business, texts_enqueue_scoring

from .answers import CleanAnswer
from .models import Answer, PendingAnswers, Question, Response

# The batcher's key for the responses waiting to be filed (the task's first argument).
FILING_KEY = PendingAnswers._meta.label


def pending_answers(answers: Sequence[CleanAnswer]) -> list[dict]:
    """Checked answers as PendingAnswers.answers holds them."""
    return [
        {"question_id": a.question.pk, "number": a.number, "choices": a.choices, "text": a.text}
        for a in answers
    ]


def pending_answers_json(answers: Sequence[CleanAnswer]) -> str:
    """The same as JSON text: on PostgreSQL the submission's statement reads it as one
    jsonb parameter (less work for it than four arrays)."""
    return json.dumps(pending_answers(answers), ensure_ascii=False)


def answers_file_soon(response_ids: Sequence[int]) -> None:
    """Have these responses' answers filed: by a worker once the current transaction
    commits (batched with other requests' responses: many short submissions become one
    task). Without a broker, where tasks run in their caller, they are filed now, in the
    current transaction."""
    if tasks_run_eagerly():
        answers_file(response_ids)
    else:
        enqueue_ids_on_commit(filing_task(), FILING_KEY, response_ids)


@lru_cache(maxsize=1)
def filing_task():
    """The task itself, not Celery's proxy, which looks it up again on each attribute
    read (on every submission)."""
    from .tasks import file_answers  # tasks imports this module

    return file_answers._get_current_object()


def answers_file(response_ids: Sequence[int]) -> int:
    """File the waiting answers of these responses, once, in one transaction; returns
    how many answers were filed. A response whose answers another worker filed, or that
    is gone, is skipped. An answer to a question removed meanwhile is dropped, as the
    removal dropped that question's filed answers."""
    with transaction.atomic():
        # Locked: a second worker given the same response waits here, then finds nothing
        # (locked in one order, so two overlapping batches cannot deadlock).
        claimed = list(
            PendingAnswers.objects.select_for_update(of=("self",))
            .filter(pk__in=response_ids)
            .order_by("pk")
            .values_list("pk", "answers", "response__business_id", "response__created_at")
        )
        if not claimed:
            return 0
        PendingAnswers.objects.filter(pk__in=[pk for pk, *_ in claimed]).delete()
        asked = {given["question_id"] for _, answers, *_ in claimed for given in answers}
        businesses = {business_id for *_, business_id, _created_at in claimed}
        # Each answer's question as (id, business): only the response's business's count.
        questions = set(
            Question.objects.filter(business_id__in=businesses, pk__in=asked).values_list(
                "pk", "business_id"
            )
        )
        rows = [
            Answer(business_id=business_id, response_id=response_id, created_at=created_at, **given)
            for response_id, answers, business_id, created_at in claimed
            for given in answers
            if (given["question_id"], business_id) in questions
        ]
        Answer.objects.bulk_create(rows)
        texts_enqueue_scoring(model=Answer, ids=[row.pk for row in rows if row.text.strip()])
        # Filed late (a broker down for a while), they may fall on hours a daily roll-up
        # has summed already: it is told, as it is of texts scored late.
        late_rows_announce(oldest_by_business((row.business_id, row.created_at) for row in rows))
    return len(rows)


def answers_file_pending(responses: QuerySet[Response]) -> int:
    """File whatever answers of these responses still wait (usually none): for a path
    that must see or change every answer in its reach."""
    waiting = PendingAnswers.objects.filter(response__in=responses).order_by("pk")
    ids = list(waiting.values_list("pk", flat=True))
    return sum(answers_file(batch) for batch in batched(ids))


def unscoped_unfiled_response_ids(*, older_than: timedelta, limit: int) -> list[int]:
    """Responses, of every business (the sweeper's), whose answers have waited longer
    than a worker should take."""
    cutoff = timezone.now() - older_than
    waiting = PendingAnswers.objects.filter(response__created_at__lt=cutoff).order_by("pk")
    return list(waiting.values_list("pk", flat=True)[:limit])
