from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from accounts.services import api_key_create
from cxplatform.vault import encrypt
from reputation.models import Provider, ReplyStatus, Review, ReviewRevision
from reputation.providerserver import SiteReview
from tests.paging import sort_without_index, walk_pages
from tests.reputation.conftest import SITE_IDS, SITE_SECRETS
from tests.reputation.factories import ReviewFactory, ReviewSourceFactory, scored

pytestmark = pytest.mark.django_db

API = "/api/v1/reviews/"
REPLY = "Hi Jane, sorry the wait was long. We've added a barista. Please call us."


def post(client, path: str, body: dict | None = None, **headers):
    return client.post(path, body or {}, content_type="application/json", **headers)


def keyed(business, scope: str = "read") -> dict:
    _, raw = api_key_create(business=business, name=f"{scope} key", scope=scope, created_by=None)
    return {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}


class TestReading:
    def test_members_list_their_reviews_newest_first(self, business_a, bob, client_of):
        old = ReviewFactory(
            business=business_a, created_at=timezone.now() - timezone.timedelta(days=5)
        )
        new = scored(ReviewFactory(business=business_a), "positive", 0.6, {"quality": 0.5})
        body = client_of(bob).get(API).json()
        assert [r["uuid"] for r in body["results"]] == [str(new.uuid), str(old.uuid)]
        first = body["results"][0]
        assert first["aspects"] == {"quality": 0.5} and first["provider"] == "google"
        assert first["reply_status"] == "none" and first["hours_to_reply"] is None

    def test_pages_give_each_review_once_when_dates_tie(self, business_a, bob, client_of):
        # Imported reviews share a date (CSV rows get local midnight): the cursor's
        # offset within a tie only holds if the order within it is fixed.
        written = timezone.now() - timezone.timedelta(days=2)
        made = ReviewFactory.create_batch(30, business=business_a, created_at=written)
        sort_without_index()
        seen = walk_pages(client_of(bob), f"{API}?page_size=10")
        assert sorted(seen) == sorted(str(r.uuid) for r in made)

    def test_it_hides_other_businesses(self, business_a, business_b, charlie, client_of):
        theirs = ReviewFactory(business=business_a)
        client = client_of(charlie)
        assert client.get(API).json()["results"] == []
        assert client.get(f"{API}{theirs.uuid}/").status_code == 404
        for action in ("draft", "reply", "replied-on-site"):
            assert post(client, f"{API}{theirs.uuid}/{action}/", {"text": "x"}).status_code == 404

    def test_one_review_with_its_earlier_versions(self, business_a, alice, client_of):
        review = ReviewFactory(business=business_a, deleted_at=timezone.now(),
                               reply_status=ReplyStatus.COPIED,
                               replied_at=timezone.now())  # fmt: skip
        ReviewRevision.objects.create(review=review, rating=2, text="Before the edit")
        body = client_of(alice).get(f"{API}{review.uuid}/").json()
        assert body["revisions"][0]["text"] == "Before the edit"
        assert body["deleted_at"] is not None
        assert 23 < body["hours_to_reply"] < 25

    def test_filters_as_in_the_inbox(self, business_a, alice, client_of):
        yelp = ReviewSourceFactory(business=business_a, provider=Provider.YELP)
        five = ReviewFactory(business=business_a, rating=5)
        two = ReviewFactory(business=business_a, rating=2, source=yelp)
        ReviewFactory(business=business_a, rating=2, deleted_at=timezone.now())
        client = client_of(alice)

        def uuids(query: str) -> set[str]:
            return {r["uuid"] for r in client.get(f"{API}?{query}").json()["results"]}

        assert uuids("rating=5") == {str(five.uuid)}
        assert uuids(f"source={yelp.uuid}") == {str(two.uuid)}
        assert uuids("replied=no") == {str(five.uuid), str(two.uuid)}
        assert len(uuids("deleted=1")) == 3
        assert len(uuids("page_size=1")) == 1

    @pytest.mark.parametrize(
        ("query", "field", "message"),
        [("rating=0", "rating", "Choose a rating from 1 to 5."),
         ("source=nope", "source", "This business has no such review source."),
         ("stars=5", "filters", "Unknown filter: stars.")],
    )  # fmt: skip
    def test_bad_filters_are_refused_by_name(self, business_a, alice, client_of, query, field,
                                             message):  # fmt: skip
        reply = client_of(alice).get(f"{API}?{query}")
        assert reply.status_code == 400
        assert message in reply.json()["errors"][field][0]

    def test_a_read_only_key_reads_but_does_not_draft(self, business_a):
        review = ReviewFactory(business=business_a)
        headers = keyed(business_a)
        assert Client().get(API, **headers).status_code == 200
        assert post(Client(), f"{API}{review.uuid}/draft/", **headers).status_code == 403


class TestDrafting:
    def test_a_manager_gets_a_draft_signed_with_their_address(self, business_a, mia, client_of):
        review = scored(ReviewFactory(business=business_a, rating=2), "negative", -0.4,
                        {"price": -0.5})  # fmt: skip
        reply = post(client_of(mia), f"{API}{review.uuid}/draft/")
        assert reply.status_code == 200
        assert "price and value" in reply.json()["text"] and "mia@a.example" in reply.json()["text"]
        assert Review.objects.get(pk=review.pk).reply_draft == ""  # not saved

    def test_a_write_key_drafts_for_the_business(self, business_a):
        review = ReviewFactory(business=business_a, rating=1)
        reply = post(Client(), f"{API}{review.uuid}/draft/", **keyed(business_a, "write"))
        assert "The team at Alice's Café" in reply.json()["text"]

    def test_staff_may_not_draft(self, business_a, bob, client_of):
        review = ReviewFactory(business=business_a)
        assert post(client_of(bob), f"{API}{review.uuid}/draft/").status_code == 403


class TestEmpathyCheck:
    def test_it_returns_every_check_and_what_is_missing(self, business_a, mia, client_of):
        review = scored(ReviewFactory(business=business_a, rating=1, text="Waited an hour."),
                        "negative", -0.5, {"wait_time": -0.6})  # fmt: skip
        text = "You should have booked."
        body = post(
            client_of(mia), f"{API}empathy-check/", {"text": text, "review": str(review.uuid)}
        )
        body = body.json()
        assert [c["key"] for c in body["checks"]] == [
            "feeling", "specific", "defensive", "promises", "next_step"
        ]  # fmt: skip
        assert {c["key"] for c in body["missing"]} == {
            "feeling",
            "specific",
            "defensive",
            "next_step",
        }

    @pytest.mark.parametrize("review", ["", "not-a-uuid", "1b4e28ba-2fa1-11d2-883f-0016d3cca427"])
    def test_the_review_must_be_the_businesss(self, business_a, mia, client_of, review):
        reply = post(client_of(mia), f"{API}empathy-check/", {"text": "Hi", "review": review})
        assert reply.status_code == 400 and "review" in reply.json()["errors"]

    def test_another_businesss_review_is_no_such_review(self, business_a, business_b, charlie,
                                                        client_of):  # fmt: skip
        theirs = ReviewFactory(business=business_a)
        reply = post(client_of(charlie), f"{API}empathy-check/",
                     {"text": "Hi", "review": str(theirs.uuid)})  # fmt: skip
        assert reply.json()["errors"]["review"] == ["This business has no such review."]

    def test_staff_may_not_check(self, business_a, bob, client_of):
        review = ReviewFactory(business=business_a)
        reply = post(
            client_of(bob), f"{API}empathy-check/", {"text": "Hi", "review": str(review.uuid)}
        )
        assert reply.status_code == 403

    def test_the_session_needs_the_csrf_token(self, business_a, mia):
        review = ReviewFactory(business=business_a)
        client = Client(enforce_csrf_checks=True)
        client.force_login(mia)
        reply = post(client, f"{API}empathy-check/", {"text": "Hi", "review": str(review.uuid)})
        assert reply.status_code == 403


class TestReplying:
    @pytest.fixture
    def google_review(self, business_a, provider_server):
        source = ReviewSourceFactory(
            business=business_a, provider=Provider.GOOGLE, external_id=SITE_IDS["google"],
            base_url=provider_server.url, secrets_encrypted=encrypt(SITE_SECRETS["google"]),
        )  # fmt: skip
        provider_server.put_reviews("google", SITE_IDS["google"], [SiteReview("g7", 2, "Meh")])
        return ReviewFactory(business=business_a, source=source, external_id="g7", rating=2)

    def test_a_write_key_posts_to_google(self, business_a, google_review, provider_server):
        reply = post(Client(), f"{API}{google_review.uuid}/reply/", {"text": REPLY},
                     **keyed(business_a, "write"))  # fmt: skip
        assert reply.status_code == 200
        assert reply.json()["reply_status"] == "posted" and reply.json()["replied_by"] is None
        assert provider_server.replies[("google", SITE_IDS["google"], "g7")] == REPLY

    def test_a_refusal_is_a_502_that_says_why(self, business_a, mia, client_of, google_review,
                                              provider_server):  # fmt: skip
        provider_server.fail_next("google", SITE_IDS["google"], status=403)
        reply = post(client_of(mia), f"{API}{google_review.uuid}/reply/", {"text": REPLY})
        assert reply.status_code == 502
        assert "refused the credentials" in reply.json()["detail"]
        google_review.refresh_from_db()
        assert google_review.reply_status == "failed" and google_review.reply_draft == REPLY

    @pytest.mark.parametrize(
        ("body", "message"),
        [({}, "This field is required."), ({"text": " "}, "Write the reply first."),
         ({"text": "y" * 4001}, "at most 4,000 characters")],
    )  # fmt: skip
    def test_the_text_is_validated(self, business_a, mia, client_of, google_review,
                                   provider_server, body, message):  # fmt: skip
        reply = post(client_of(mia), f"{API}{google_review.uuid}/reply/", body)
        assert reply.status_code == 400 and message in reply.json()["errors"]["text"][0]
        assert not provider_server.replies

    def test_staff_and_read_keys_may_not_reply(self, business_a, bob, client_of, google_review,
                                               provider_server):  # fmt: skip
        path = f"{API}{google_review.uuid}/reply/"
        assert post(client_of(bob), path, {"text": REPLY}).status_code == 403
        assert post(Client(), path, {"text": REPLY}, **keyed(business_a)).status_code == 403
        assert not provider_server.replies

    def test_a_site_without_replies_is_refused_then_marked(self, business_a, mia, client_of):
        yelp = ReviewSourceFactory(business=business_a, provider=Provider.YELP)
        review = ReviewFactory(business=business_a, source=yelp, reply_draft="Pasted text")
        client = client_of(mia)
        refused = post(client, f"{API}{review.uuid}/reply/", {"text": REPLY})
        assert refused.status_code == 400 and "Yelp" in refused.json()["detail"]
        marked = post(client, f"{API}{review.uuid}/replied-on-site/")
        assert marked.status_code == 200
        assert marked.json()["reply_status"] == "copied"
        assert marked.json()["reply_text"] == "Pasted text"
        assert marked.json()["replied_by"] == "mia@a.example"


def test_the_endpoints_are_in_the_schema(alice, business_a, client_of):
    schema = client_of(alice).get("/api/schema/").content.decode()
    for path in ("/api/v1/reviews/", "/api/v1/reviews/{uuid}/", "/api/v1/reviews/{uuid}/draft/",
                 "/api/v1/reviews/{uuid}/reply/", "/api/v1/reviews/{uuid}/replied-on-site/",
                 "/api/v1/reviews/empathy-check/"):  # fmt: skip
        assert f"{path}:" in schema
