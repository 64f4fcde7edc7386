"""Issue 7's "done when", end to end through the browser's URLs: an owner connects a
Google profile (the local provider server), its reviews arrive scored, a fresh one-star
review raises an alert e-mailed to the owner, the owner drafts and posts an empathetic
reply that reaches the site, and the dashboard shows the reply rate. An outsider sees none
of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reputation.models import Provider, ReplyStatus, Review, ReviewSource
from reputation.providerserver import SiteReview
from tests.reputation.conftest import SITE_IDS, SITE_SECRETS
from textanalysis.models import Alert, AlertReason, SentimentLabel

pytestmark = pytest.mark.django_db

GOOGLE_ID = SITE_IDS[Provider.GOOGLE]
ANGRY = "Waited forty minutes for a cold, awful coffee and the staff were rude. Never again."


def site_reviews() -> list[SiteReview]:
    now = datetime.now(UTC)
    return [
        SiteReview(id="g-angry", rating=1, text=ANGRY, author="Dana Quinn",
                   created=now - timedelta(hours=2)),
        SiteReview(id="g-happy", rating=5, text="Lovely flat white and a warm welcome!",
                   author="Sam", created=now - timedelta(days=1)),
        SiteReview(id="g-fine", rating=4, text="Good cake, a little pricey.", author="Lee",
                   created=now - timedelta(days=2)),
    ]  # fmt: skip


def connect_google(client, server) -> ReviewSource:
    secrets = {f"secret_{key}": value for key, value in SITE_SECRETS[Provider.GOOGLE].items()}
    reply = client.post(
        "/reviews/sources/connect/google/",
        {"name": "Google - High Street", "external_id": GOOGLE_ID, "base_url": server.url,
         "review_page_url": "https://g.page/r/bluebird/review", "poll_interval_minutes": 60,
         **secrets},
    )  # fmt: skip
    assert reply.status_code == 302, reply.content.decode()[:2000]
    return ReviewSource.objects.get()


def test_an_owner_hears_a_bad_review_and_answers_it(
    client_of,
    alice,
    business_a,
    business_b,
    charlie,
    provider_server,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    provider_server.put_reviews(Provider.GOOGLE, GOOGLE_ID, site_reviews())
    owner = client_of(alice)
    source = connect_google(owner, provider_server)
    assert source.secrets_encrypted and "google-refresh-token" not in source.secrets_encrypted

    # The poll, the scoring and the alert's e-mail each run once the request commits.
    with django_capture_on_commit_callbacks(execute=True):
        assert owner.post(f"/reviews/sources/{source.uuid}/poll/").status_code == 302
    source.refresh_from_db()
    assert source.health == "ok"
    reviews = {r.external_id: r for r in Review.objects.filter(business=business_a)}
    assert set(reviews) == {"g-angry", "g-happy", "g-fine"}
    angry = reviews["g-angry"]
    assert (angry.sentiment_label, reviews["g-happy"].sentiment_label) == (
        SentimentLabel.NEGATIVE,
        SentimentLabel.POSITIVE,
    )

    alert = Alert.objects.get(business=business_a, source="reputation.Review", source_id=angry.pk)
    assert alert.reason == AlertReason.LOW_RATING
    assert [mail.to for mail in mailoutbox if "one or two stars" in mail.subject] == [[alice.email]]

    inbox = owner.get("/reviews/").content.decode()
    assert "Dana Quinn" in inbox and "Waited forty minutes" in inbox

    page = owner.get(f"/reviews/{angry.uuid}/").content.decode()
    assert "Dana" in page  # the suggested draft greets the reviewer
    reply_text = (
        "Dana, thank you for telling us, and I am so sorry: forty minutes and a cold coffee "
        "is frustrating. We now brew fresh every hour and have an extra barista at rush "
        "hour. Please write to me at owner@bluebird.test and I will make it right."
    )
    checked = owner.post(f"/reviews/{angry.uuid}/reply/", {"text": reply_text, "action": "check"})
    assert "✓ Acknowledges their feelings" in checked.content.decode()
    posted = owner.post(f"/reviews/{angry.uuid}/reply/", {"text": reply_text, "action": "post"})
    assert posted.status_code == 302
    angry.refresh_from_db()
    assert (angry.reply_status, angry.replied_by) == (ReplyStatus.POSTED, alice)
    assert provider_server.replies[(Provider.GOOGLE, GOOGLE_ID, "g-angry")] == reply_text

    dashboard = owner.get("/dashboard/").content.decode()
    assert 'id="reviews-count">3<' in dashboard
    assert 'id="reviews-replied">33.3%<' in dashboard

    outsider = client_of(charlie)
    assert outsider.get(f"/reviews/{angry.uuid}/").status_code == 404
    assert outsider.get(f"/reviews/sources/{source.uuid}/").status_code == 404
    assert outsider.post(f"/reviews/sources/{source.uuid}/poll/").status_code == 404
    assert "Dana Quinn" not in outsider.get("/reviews/").content.decode()
