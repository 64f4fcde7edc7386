from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from feedback.models import Answer, Interaction
from tests.factories import InteractionFactory
from tests.helpers import answer
from textanalysis.services import texts_score
from textanalysis.tasks import score_texts, sweep_unscored

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def comments():
    return Answer.objects.exclude(text="")


def test_a_comment_is_scored_after_commit(survey_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer(survey_a, 9, "Great coffee and lovely people")
    assert comments().get().scored_at is None  # nothing is scored inside the transaction
    for callback in callbacks:
        callback()
    comment = comments().get()
    assert comment.sentiment_label == "positive"
    vader = SentimentIntensityAnalyzer().polarity_scores("Great coffee and lovely people")
    assert comment.sentiment_score == round(vader["compound"], 4)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I love this place", "positive"),
        ("Terrible service, never again", "negative"),
        ("I had a coffee", "neutral"),
    ],
)
def test_labels_follow_vader_thresholds(survey_a, django_capture_on_commit_callbacks, text, label):
    with django_capture_on_commit_callbacks(execute=True):
        answer(survey_a, 5, text)
    assert comments().get().sentiment_label == label


def test_scoring_twice_changes_nothing(survey_a):
    answer(survey_a, 2, "Cold and slow")
    ids = list(comments().values_list("pk", flat=True))
    assert texts_score(model=Answer, ids=ids) == 1
    first = comments().values("sentiment_score", "scored_at").get()
    assert texts_score(model=Answer, ids=ids) == 0
    assert comments().values("sentiment_score", "scored_at").get() == first


def test_a_task_for_rows_that_are_gone_returns_quietly(db):
    assert score_texts.delay("feedback.Answer", [987654, 987655]).get() == 0


def test_a_task_refuses_a_model_without_text(db):
    with pytest.raises(LookupError):
        score_texts.delay("feedback.Survey", [1])


def test_the_sweeper_scores_what_was_never_sent(survey_a, business_a):
    # No on-commit callbacks run here: as if the broker was down when they were written.
    answer(survey_a, 1, "Awful, rude staff")
    InteractionFactory(business=business_a, note="Customer was furious about the refund")
    long_ago = timezone.now() - timedelta(minutes=10)
    Answer.objects.update(created_at=long_ago)
    Interaction.objects.update(created_at=long_ago)
    assert sweep_unscored.delay().get() == 2
    assert comments().get().sentiment_label == "negative"
    assert Interaction.objects.get().sentiment_label == "negative"
    assert sweep_unscored.delay().get() == 0


def test_the_sweeper_leaves_fresh_rows_to_their_own_task(survey_a):
    answer(survey_a, 1, "Awful")
    assert sweep_unscored.delay().get() == 0
    assert comments().get().scored_at is None


BROKER_DOWN = """
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.test import Client
from accounts.models import User
from cxplatform.onboarding import business_onboard
from feedback.models import Answer
owner = User.objects.create_user("o@example.com", "pw-for-test-only-123")
business_onboard(name="Down Café", owner=owner)
from feedback.models import Survey
survey = Survey.objects.get()
nps, reason = survey.questions.order_by("position")
reply = Client(HTTP_HOST="127.0.0.1").post(
    f"/api/v1/public/surveys/{survey.uuid}/responses/",
    data=json.dumps({"answers": {str(nps.uuid): 3, str(reason.uuid): "Slow"}}),
    content_type="application/json",
)
from feedback.models import PendingAnswers
waiting = [len(row.answers) for row in PendingAnswers.objects.all()]
filed = Answer.objects.count()
print(json.dumps({"status": reply.status_code, "waiting": waiting, "filed": filed}))
"""


def test_answers_are_saved_while_the_broker_is_down(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="cxplatform.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CELERY_BROKER_URL="redis://127.0.0.1:9/0",  # nothing listens there
    )
    result = subprocess.run(
        [sys.executable, "-c", BROKER_DOWN],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    # Saved and acknowledged; the response's two answers wait for the sweeper to file them.
    assert outcome == {"status": 201, "waiting": [2], "filed": 0}
    assert "left for the sweeper" in result.stderr
