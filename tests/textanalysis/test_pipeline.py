"""The pipeline around the analyser: batches, aspects, alerts by e-mail and webhook, rescore."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from io import StringIO

import pytest
from celery.local import Proxy
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from cxplatform.onboarding import business_onboard
from feedback.models import Answer, FollowUpCase
from tests.helpers import answer, constraints_of
from textanalysis import services
from textanalysis.alerts import WebhookFailed, alert_webhook_post
from textanalysis.models import Alert, Aspect, AspectMention, RescoreJob
from textanalysis.services import insight_settings_for, texts_score
from textanalysis.tasks import score_texts, sweep_alerts

pytestmark = pytest.mark.django_db


def comments():
    return Answer.objects.exclude(text="").order_by("pk")


def unscored(survey, texts: list[str], *, days_old: float = 0) -> list[Answer]:
    """Comments written (days_old ago) and not analysed yet, with any text at all (the
    public form caps comments at 10,000 characters; the pipeline takes anything)."""
    for _text in texts:
        answer(survey, 5, "placeholder")
    rows = list(comments().filter(scored_at=None))
    for row, text in zip(rows, texts, strict=True):
        Answer.objects.filter(pk=row.pk).update(
            text=text, created_at=timezone.now() - timedelta(days=days_old)
        )
    return rows


def test_a_batch_is_analysed_once_with_its_words_and_aspects(survey_a):
    rows = unscored(survey_a, ["The food was great but we waited 40 minutes", "Le café"])
    ids = [r.pk for r in rows]
    assert texts_score(model=Answer, ids=ids) == 2
    food, french = comments()
    assert food.sentiment_label == "positive"
    assert food.sentiment_explanation["words"] == [[13, 18, 1.55]]
    assert food.sentiment_explanation["aspects"]["wait_time"] < 0
    assert food.sentiment_explanation["aspects"]["quality"] > 0
    assert (french.sentiment_label, french.sentiment_score) == ("unscored", None)
    assert french.sentiment_explanation["reason"] == "language"
    mentions = dict(AspectMention.objects.values_list("aspect_key", "score"))
    assert mentions["wait_time"] < 0 < mentions["quality"]
    # Delivered again (a worker killed before its ack): nothing is done twice.
    assert texts_score(model=Answer, ids=ids) == 0
    assert AspectMention.objects.count() == len(mentions)


def test_each_mention_is_an_aspect_of_its_texts_explanation(survey_a, survey_b):
    """The mentions are written with the scores (on PostgreSQL by the same statement):
    one per aspect in each text's explanation, with its score, business and date."""
    unscored(
        survey_a,
        ["The food was great but we waited 40 minutes", "Lovely staff, fair prices",
         "Le café", "No aspect here, just fine"],
        days_old=3,
    )  # fmt: skip
    answer(survey_b, 5, "The coffee was cold and the staff rude")  # the same batch
    assert texts_score(model=Answer, ids=[r.pk for r in comments()]) == 5
    written = {
        (m.source_id, m.aspect_key): (m.score, m.business_id, m.created_at)
        for m in AspectMention.objects.filter(source="feedback.Answer")
    }
    expected = {
        (text.pk, key): (score, text.business_id, text.created_at)
        for text in comments()
        for key, score in text.sentiment_explanation["aspects"].items()
    }
    assert written == expected
    businesses = {business_id for _, business_id, _ in written.values()}
    assert businesses == {survey_a.business_id, survey_b.business_id}
    assert {key for _, key in written} >= {"quality", "wait_time", "staff", "price"}


def test_mentions_go_with_their_business_and_no_one_elses(survey_a, survey_b):
    """A mention's business has no constraint of its own (accounts.models.BUSINESS_COPY):
    deleting a business takes its mentions all the same, by Django's cascade."""
    constraints = constraints_of(AspectMention._meta.db_table)
    assert not [c for c in constraints.values() if c["foreign_key"]]
    unscored(survey_a, ["Lovely staff, fair prices"])
    answer(survey_b, 5, "The coffee was cold and the staff rude")
    assert texts_score(model=Answer, ids=[r.pk for r in comments()]) == 2
    assert {m.business_id for m in AspectMention.objects.all()} == {
        survey_a.business_id,
        survey_b.business_id,
    }

    survey_a.business.delete()

    assert set(AspectMention.objects.values_list("business_id", flat=True)) == {
        survey_b.business_id
    }


def test_an_edited_text_is_scored_again_with_new_mentions_only(
    survey_a, django_capture_on_commit_callbacks
):
    """An edited text loses its old analysis's mentions and gets the new one's."""
    (row,) = unscored(survey_a, ["Lovely staff, fair prices"])
    assert texts_score(model=Answer, ids=[row.pk]) == 1
    assert set(AspectMention.objects.values_list("aspect_key", flat=True)) == {"staff", "price"}
    Answer.objects.filter(pk=row.pk).update(text="We waited 40 minutes")

    with django_capture_on_commit_callbacks(execute=True):
        services.texts_rescore_edited(model=Answer, ids=[row.pk])

    assert set(AspectMention.objects.values_list("aspect_key", flat=True)) == {"wait_time"}
    assert Answer.objects.get(pk=row.pk).sentiment_explanation["aspects"].keys() == {"wait_time"}


@pytest.mark.parametrize(("language", "quality"), [("en", "Quality"), ("es", "Calidad")])
def test_default_aspects_are_named_in_the_business_language_not_the_active_one(
    alice, language, quality
):
    """Made the first time a text of the business is scored (or its settings read), in
    whatever language that request or task runs."""
    other = "es" if language == "en" else "en"
    with translation.override(other):
        business = business_onboard(
            name="Café", owner=alice, industry="food_drink", language=language
        )
        insight_settings_for(business)
    assert Aspect.objects.get(business=business, key="quality").name == quality


def test_one_bad_text_does_not_stop_its_batch(survey_a, monkeypatch):
    rows = unscored(survey_a, ["Lovely staff", "BOOM", "Awful coffee"])
    real = services.analyse

    def breaks_on_boom(text, aspects):
        if text == "BOOM":
            raise RuntimeError("analyser bug")
        return real(text, aspects)

    monkeypatch.setattr(services, "analyse", breaks_on_boom)
    assert texts_score(model=Answer, ids=[r.pk for r in rows]) == 3
    labels = list(comments().values_list("sentiment_label", "sentiment_explanation__reason"))
    assert labels == [("positive", ""), ("unscored", "error"), ("negative", "")]


def test_bad_input_of_every_kind_is_stored_as_given_and_handled(survey_a):
    texts = [
        " ", "🙂", "💩💩💩", "<script>alert(1)</script> terrible", "\ufffd\ufffd\x01",
        "x" * 1_000_000, "Great! " * 5000,
    ]  # fmt: skip
    rows = unscored(survey_a, texts)
    assert texts_score(model=Answer, ids=[r.pk for r in rows]) == len(texts)
    stored = list(comments().values_list("text", "sentiment_label"))
    assert [text for text, _ in stored] == texts
    labels = [label for _, label in stored]
    assert labels[0] == "unscored" and labels[3] == "negative" and labels[6] == "positive"
    assert labels[5] == "unscored"


def test_a_fresh_strongly_negative_text_raises_one_alert_by_mail(
    survey_a, alice, mia, bob, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer(survey_a, 1, "Horrible, rude and disgusting. The worst.")
    alert = Alert.objects.get()
    assert alert.reason == "negative" and alert.score <= -0.6
    assert [m.to for m in mailoutbox] == [sorted([alice.email, mia.email])]
    assert "Horrible, rude" in mailoutbox[0].body and str(alert.uuid) in mailoutbox[0].body
    # A second delivery of the batch and of the alert task send nothing more.
    comment = comments().get()
    Answer.objects.filter(pk=comment.pk).update(scored_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        texts_score(model=Answer, ids=[comment.pk])
    from textanalysis.tasks import deliver_alert

    deliver_alert.delay(alert.pk)
    assert Alert.objects.count() == 1 and len(mailoutbox) == 1


def test_a_business_name_with_a_line_break_still_gets_its_alert_by_mail(
    survey_a, business_a, alice, mailoutbox, django_capture_on_commit_callbacks
):
    """A name from before the settings refused line breaks (or from the admin): a
    header may not hold one, and the mail would never go."""
    business_a.name = "Alice's\r\nCafé"
    business_a.save(update_fields=["name"])
    with django_capture_on_commit_callbacks(execute=True):
        answer(survey_a, 1, "Horrible, rude and disgusting. The worst.")
    assert len(mailoutbox) == 1 and mailoutbox[0].subject.startswith("[Alice's Café] ")
    assert Alert.objects.get().emailed_at is not None


def test_urgent_matters_alert_even_when_polite_and_the_threshold_is_the_businesses(
    survey_a, business_a, django_capture_on_commit_callbacks
):
    settings_row = insight_settings_for(business_a)
    settings_row.alert_threshold = -0.2
    settings_row.save()
    with django_capture_on_commit_callbacks(execute=True):
        answer(survey_a, 7, "Nice place, but I would like a refund for the second coffee.")
        answer(survey_a, 4, "Bit disappointed with the cake.")
        answer(survey_a, 9, "Lovely!")
    alerts = {a.excerpt[:10]: (a.reason, a.terms) for a in Alert.objects.all()}
    assert alerts == {
        "Nice place": ("urgent", ["refund"]),
        "Bit disapp": ("negative", []),
    }


def test_history_raises_no_alert(survey_a):
    rows = unscored(survey_a, ["Horrible, the worst, I want a refund"], days_old=10)
    texts_score(model=Answer, ids=[r.pk for r in rows])
    assert comments().get().sentiment_label == "negative"
    assert not Alert.objects.exists()


class Receiver(BaseHTTPRequestHandler):
    """A webhook receiver that fails its first request, as a flaky Slack might."""

    bodies: list[dict] = []
    fail_first = True

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        type(self).bodies.append(json.loads(self.rfile.read(length)))
        failing = type(self).fail_first and len(type(self).bodies) == 1
        self.send_response(500 if failing else 200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(settings):
    # Webhooks go through the guarded client, which refuses 127.0.0.1 unless told.
    settings.OUTBOUND_ALLOW_LOOPBACK = True
    Receiver.bodies = []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hooks/alerts"
    server.shutdown()
    server.server_close()


def test_the_webhook_gets_the_alert_once_after_a_failure(
    survey_a, business_a, receiver, mailoutbox, django_capture_on_commit_callbacks
):
    settings_row = insight_settings_for(business_a)
    settings_row.webhook_url = receiver
    settings_row.save()
    with django_capture_on_commit_callbacks(execute=True):
        answer(survey_a, 0, "Terrible. I got food poisoning here.")
    alert = Alert.objects.get()
    assert len(Receiver.bodies) == 1  # refused with a 500
    alert.refresh_from_db()
    assert alert.webhook_sent_at is None and alert.webhook_attempts == 1
    # Without a broker there is no Celery retry: the sweeper sends it again.
    Alert.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    assert sweep_alerts.delay().get() == 1
    body = Receiver.bodies[-1]
    assert "food poisoning" in body["text"] and business_a.name in body["text"]
    assert body["alert"]["reason"] == "urgent" and body["alert"]["id"] == str(alert.uuid)
    alert.refresh_from_db()
    assert alert.webhook_sent_at is not None and alert.webhook_attempts == 2
    assert sweep_alerts.delay().get() == 0
    assert alert_webhook_post(alert_id=alert.pk) is False  # already delivered
    assert len(Receiver.bodies) == 2 and len(mailoutbox) == 1


def test_an_unreachable_webhook_fails_for_a_retry(survey_a, business_a, settings):
    settings.OUTBOUND_ALLOW_LOOPBACK = True
    settings_row = insight_settings_for(business_a)
    settings_row.webhook_url = "http://127.0.0.1:9/nothing-listens-here"
    settings_row.save()
    rows = unscored(survey_a, ["The worst, awful, horrible place"])
    texts_score(model=Answer, ids=[r.pk for r in rows])
    alert = Alert.objects.get()
    with pytest.raises(WebhookFailed):
        alert_webhook_post(alert_id=alert.pk)
    alert.refresh_from_db()
    assert alert.webhook_sent_at is None and alert.webhook_error


def test_rescoring_after_an_aspect_change_updates_mentions_not_alerts(survey_a, business_a):
    rows = unscored(survey_a, ["The croissant was dreadful", "Lovely croissant"], days_old=1)
    texts_score(model=Answer, ids=[r.pk for r in rows])
    alerts_before = Alert.objects.count()
    cases_before = FollowUpCase.objects.count()
    Aspect.objects.create(business=business_a, key="pastry", name="Pastry", terms=["croissant*"])
    out = StringIO()
    call_command("rescore_texts", str(business_a.uuid), stdout=out)
    assert "2/2 (100%)" in out.getvalue() and "Done: 2 of 2 texts." in out.getvalue()
    pastry = list(
        AspectMention.objects.filter(aspect_key="pastry")
        .order_by("source_id")
        .values_list("score", flat=True)
    )
    assert pastry[0] < 0 < pastry[1]
    assert Alert.objects.count() == alerts_before
    assert FollowUpCase.objects.count() == cases_before  # rescoring opens no case
    assert RescoreJob.objects.get().status == "done"


def test_the_rescore_command_names_an_unknown_business(db):
    with pytest.raises(CommandError, match="No business with uuid"):
        call_command("rescore_texts", "not-a-uuid")


def test_scoring_is_enqueued_with_the_task_itself_not_its_proxy(monkeypatch):
    """Each submission with a comment names the scoring task; Celery's proxy would look
    the task up again on every read."""
    sent = []
    monkeypatch.setattr(services, "enqueue_ids_on_commit", lambda *args: sent.append(args))
    services.texts_enqueue_scoring(model=Answer, ids=[7, 8])
    [(task, key, ids)] = sent
    assert not isinstance(task, Proxy)
    assert task is score_texts._get_current_object()
    assert (key, ids) == ("feedback.Answer", [7, 8])
