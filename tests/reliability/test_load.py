"""Concurrent public submissions against a live server: exactly as many rows as 2xx
answers, and not one 500. (bench/load_submissions.py does the same with 50,000 under
gunicorn; this is the small version that runs in the suite.) PostgreSQL only."""

from __future__ import annotations

import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from feedback.models import Answer, Response

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

SUBMISSIONS = 2000
CLIENTS = 16
COMMENTS = ["Great coffee!", "Slow service today, cold latte.", "", "Fine.", "Lovely staff 😊"]


def bodies(survey) -> list[str]:
    nps, reason = survey.questions.order_by("position")
    return [
        json.dumps({"answers": {str(nps.uuid): n % 11, str(reason.uuid): COMMENTS[n % 5]}})
        for n in range(SUBMISSIONS)
    ]


def client_sends(url: str, share: list[str]) -> list[tuple[int, str | None]]:
    """One keep-alive connection sending its share, one after another."""
    results = []
    with requests.Session() as session:
        for body in share:
            try:
                reply = session.post(url, data=body, timeout=30,
                                     headers={"Content-Type": "application/json"})  # fmt: skip
            except requests.RequestException:
                results.append((0, None))
                continue
            uuid = reply.json().get("uuid") if reply.status_code == 201 else None
            results.append((reply.status_code, uuid))
    return results


def test_concurrent_submissions_leave_exactly_one_row_per_2xx_and_no_500(
    live_server, survey_a, settings
):
    settings.PUBLIC_RATE_PER_IP = settings.PUBLIC_RATE_PER_SURVEY = ""  # limits off, as the bench
    url = f"{live_server.url}/api/v1/public/surveys/{survey_a.uuid}/responses/"
    work = bodies(survey_a)
    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        shares = pool.map(client_sends, [url] * CLIENTS, [work[i::CLIENTS] for i in range(CLIENTS)])
        results = [result for share in shares for result in share]
    seconds = time.perf_counter() - started

    statuses = Counter(status // 100 for status, _ in results)
    accepted = [uuid for status, uuid in results if 200 <= status < 300]
    print(f"load: {len(results)} sent by {CLIENTS} clients in {seconds:.1f} s "
          f"({len(results) / seconds:.0f}/s), classes {dict(statuses)}")  # fmt: skip
    assert len(results) == SUBMISSIONS
    assert statuses == {2: SUBMISSIONS}  # no 5xx, no 4xx, no connection error
    assert Response.objects.count() == len(accepted) == len(set(accepted))
    assert Response.objects.filter(uuid__in=accepted).count() == SUBMISSIONS
    # Each response whole: its score, and its comment where one was written.
    assert Answer.objects.filter(text="").count() == SUBMISSIONS
    assert Answer.objects.exclude(text="").count() == SUBMISSIONS * 4 // 5
