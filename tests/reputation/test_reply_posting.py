"""Replying from a review's page: posting over real HTTP to the local provider server
(Google's updateReply), failures in plain words, and the copy-and-mark flow."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEntry
from cxplatform.vault import decrypt, encrypt
from reputation.models import Provider, ReplyStatus, Review, ReviewSource
from reputation.providerserver import SiteReview
from tests.reputation.conftest import SITE_IDS, SITE_SECRETS
from tests.reputation.factories import ReviewFactory, ReviewSourceFactory, scored

pytestmark = pytest.mark.django_db

REPLY = (
    "Hi Jane, we're sorry the wait was so long. We've added a second barista at lunch. "
    "Please e-mail me at mia@a.example."
)
GOOGLE_ID = SITE_IDS["google"]


def google_review(business, server, secrets=None, **fields) -> Review:
    source = ReviewSourceFactory(
        business=business, provider=Provider.GOOGLE, external_id=GOOGLE_ID, base_url=server.url,
        secrets_encrypted=encrypt(SITE_SECRETS["google"] if secrets is None else secrets),
    )  # fmt: skip
    server.put_reviews("google", GOOGLE_ID, [SiteReview(id="g1", rating=1, text="So slow.")])
    return ReviewFactory(business=business, source=source, external_id="g1", rating=1, **fields)


def post(client, review, action: str, text: str = REPLY):
    return client.post(f"/reviews/{review.uuid}/reply/", {"action": action, "text": text})


class TestPostingToGoogle:
    def test_a_manager_posts_and_the_site_has_the_reply(self, business_a, mia, client_of,
                                                        provider_server):  # fmt: skip
        review = google_review(business_a, provider_server)
        client = client_of(mia)
        reply = post(client, review, "post")
        assert reply.status_code == 302
        assert provider_server.replies[("google", GOOGLE_ID, "g1")] == REPLY
        review.refresh_from_db()
        assert review.reply_status == ReplyStatus.POSTED
        assert review.reply_text == REPLY and review.replied_by == mia
        assert review.replied_at > review.created_at and review.reply_error == ""
        assert AuditEntry.objects.filter(action="review.reply_posted", actor=mia).exists()
        assert "Reply posted on Google Business Profile." in client.get(reply.url).content.decode()

    def test_an_expired_token_is_renewed_and_kept(self, business_a, mia, client_of,
                                                  provider_server):  # fmt: skip
        secrets = {**SITE_SECRETS["google"], "access_token": "expired-token"}
        review = google_review(business_a, provider_server, secrets=secrets)
        post(client_of(mia), review, "post")
        assert ("google", GOOGLE_ID, "g1") in provider_server.replies
        stored = decrypt(ReviewSource.objects.get(pk=review.source_id).secrets_encrypted)
        assert stored["access_token"] in provider_server.google_access_tokens
        assert stored["access_token"] != "expired-token"

    @pytest.mark.parametrize(
        ("status", "words"), [(403, "refused the credentials"), (503, "had an error")]
    )
    def test_a_refusal_is_recorded_in_plain_words_and_the_draft_kept(
        self, business_a, mia, client_of, provider_server, status, words
    ):
        review = google_review(business_a, provider_server)
        provider_server.fail_next("google", GOOGLE_ID, status=status)
        client = client_of(mia)
        reply = post(client, review, "post")
        review.refresh_from_db()
        assert review.reply_status == ReplyStatus.FAILED
        assert words in review.reply_error
        assert review.reply_draft == REPLY and review.reply_text == ""
        assert review.replied_at is None
        html = client.get(reply.url).content.decode()
        assert "The last attempt to post failed:" in html and words in html
        assert "kept as a draft" in html

    def test_a_failed_edit_keeps_the_earlier_reply_counted(self, business_a, mia, client_of,
                                                           provider_server):  # fmt: skip
        review = google_review(business_a, provider_server)
        client = client_of(mia)
        post(client, review, "post")
        provider_server.fail_next("google", GOOGLE_ID, status=500)
        post(client, review, "post", "A better reply. Sorry about the wait; call us.")
        review.refresh_from_db()
        assert review.reply_status == ReplyStatus.POSTED and review.reply_text == REPLY
        assert "had an error" in review.reply_error

    def test_an_unknown_review_on_the_site_is_a_clear_failure(self, business_a, mia, client_of,
                                                              provider_server):  # fmt: skip
        review = google_review(business_a, provider_server)
        Review.objects.filter(pk=review.pk).update(external_id="not-on-google")
        post(client_of(mia), review, "post")
        review.refresh_from_db()
        assert review.reply_status == ReplyStatus.FAILED and "404" in review.reply_error


class TestSitesWithoutReplies:
    def test_yelp_offers_copy_open_and_mark_as_replied(self, business_a, mia, client_of):
        yelp = ReviewSourceFactory(business=business_a, provider=Provider.YELP, name="Yelp")
        review = ReviewFactory(business=business_a, source=yelp, url="https://yelp.example/r/9")
        client = client_of(mia)
        html = client.get(f"/reviews/{review.uuid}/").content.decode()
        assert 'data-copy="id_text"' in html and 'href="https://yelp.example/r/9"' in html
        assert 'value="copied"' in html and 'value="post"' not in html
        refused = post(client, review, "post")
        assert refused.status_code == 400
        assert "Yelp does not accept replies from us" in refused.content.decode()
        assert post(client, review, "copied").status_code == 302
        review.refresh_from_db()
        assert review.reply_status == ReplyStatus.COPIED and review.reply_text == REPLY
        assert review.replied_at is not None and review.replied_by == mia

    def test_trustpilot_without_a_business_token_cannot_post(self, business_a, mia, client_of):
        source = ReviewSourceFactory(
            business=business_a, provider=Provider.TRUSTPILOT,
            secrets_encrypted=encrypt({"api_key": "tp-key"}),
        )  # fmt: skip
        review = ReviewFactory(business=business_a, source=source)
        html = client_of(mia).get(f"/reviews/{review.uuid}/").content.decode()
        assert 'value="post"' not in html and 'value="copied"' in html

    def test_a_review_removed_from_the_site_takes_no_reply(self, business_a, mia, client_of,
                                                           provider_server):  # fmt: skip
        review = google_review(business_a, provider_server, deleted_at=timezone.now())
        reply = post(client_of(mia), review, "post")
        assert reply.status_code == 400
        assert "removed from the site" in reply.content.decode()
        assert not provider_server.replies


class TestTheForm:
    def test_saving_a_draft_posts_nothing(self, business_a, mia, client_of, provider_server):
        review = google_review(business_a, provider_server)
        assert post(client_of(mia), review, "save", "Work in progress").status_code == 302
        review.refresh_from_db()
        assert review.reply_draft == "Work in progress"
        assert review.reply_status == ReplyStatus.NONE and not provider_server.replies

    @pytest.mark.parametrize(
        ("text", "message"),
        [("   ", "Write the reply first."),
         ("x" * 4001, "A reply can have at most 4,000 characters (this one has 4,001).")],
    )  # fmt: skip
    def test_the_text_is_checked_before_posting(self, business_a, mia, client_of,
                                                provider_server, text, message):  # fmt: skip
        review = google_review(business_a, provider_server)
        reply = post(client_of(mia), review, "post", text)
        assert reply.status_code == 400 and message in reply.content.decode()
        assert not provider_server.replies

    def test_check_without_javascript_lists_what_is_missing(self, business_a, mia, client_of):
        review = scored(ReviewFactory(business=business_a, rating=1, text="Waited ages."),
                        "negative", -0.5, {"wait_time": -0.5})  # fmt: skip
        html = post(client_of(mia), review, "check", "As I said, we guarantee it.").content
        html = html.decode()
        assert "Before posting, consider:" in html
        assert "“as i said”" in html and "“guarantee”" in html
        assert "Offer a next step" in html
        assert Review.objects.get(pk=review.pk).reply_draft == ""

    def test_suggest_puts_the_draft_back(self, business_a, mia, client_of):
        review = ReviewFactory(business=business_a, author_name="Sam P.", reply_draft="Old")
        html = post(client_of(mia), review, "suggest", "Scrap").content.decode()
        assert "Sam," in html and "not saved yet" in html

    def test_an_unknown_action_is_a_clear_400(self, business_a, mia, client_of):
        review = ReviewFactory(business=business_a)
        reply = post(client_of(mia), review, "explode")
        assert reply.status_code == 400
        assert "Choose what to do with the reply." in reply.content.decode()


class TestWhoMayReply:
    def test_staff_may_not(self, business_a, bob, client_of):
        review = ReviewFactory(business=business_a)
        assert post(client_of(bob), review, "copied").status_code == 403
        assert Review.objects.get(pk=review.pk).reply_status == ReplyStatus.NONE

    def test_outsiders_see_nothing(self, business_a, business_b, charlie, client_of):
        review = ReviewFactory(business=business_a)
        assert post(client_of(charlie), review, "copied").status_code == 404

    def test_the_post_needs_the_csrf_token(self, business_a, mia):
        review = ReviewFactory(business=business_a)
        client = Client(enforce_csrf_checks=True)
        client.force_login(mia)
        assert post(client, review, "copied").status_code == 403
        assert Review.objects.get(pk=review.pk).reply_status == ReplyStatus.NONE
