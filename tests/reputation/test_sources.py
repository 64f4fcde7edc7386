"""Review sources in the browser: connecting, health, editing, archiving, polling now."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.services import location_create
from cxplatform import vault
from reputation.models import Review, ReviewSource, SourceHealth
from reputation.sources.services import source_create
from tests.reputation.conftest import SITE_IDS, sample_reviews

YELP_KEY = "yelp-key-very-secret-1234"


def connect(client, provider: str, **fields):
    body = {"name": "Our Yelp page", "external_id": "cafe-lumiere-lyon",
            "poll_interval_minutes": "60", "secret_api_key": YELP_KEY, **fields}  # fmt: skip
    return client.post(f"/reviews/sources/connect/{provider}/", body)


@pytest.fixture
def yelp_a(business_a):
    return source_create(
        business=business_a, provider="yelp",
        values={"name": "Yelp Lyon", "external_id": "cafe-lumiere-lyon",
                "review_page_url": "https://www.yelp.com/writeareview/biz/cafe"},
        secrets={"api_key": YELP_KEY},
    )  # fmt: skip


@pytest.fixture
def manual_a(business_a):
    return source_create(business=business_a, provider="manual", values={"name": "Facebook"})


class TestList:
    def test_it_shows_health_errors_limits_and_counts(self, yelp_a, manual_a, alice, client_of):
        ReviewSource.objects.filter(pk=yelp_a.pk).update(
            health=SourceHealth.FAILING, failures=3,
            last_error="The site refused the credentials (401); connect the source again.",
            last_success_at=timezone.now() - timedelta(hours=5),
            next_poll_at=timezone.now() + timedelta(minutes=30),
        )  # fmt: skip
        Review.objects.create(
            business=yelp_a.business, source=yelp_a, external_id="1", created_at=timezone.now()
        )
        page = client_of(alice).get("/reviews/sources/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "Needs attention" in html and "3 failures in a row" in html
        assert "refused the credentials (401)" in html
        assert "5\xa0hours ago" in html and "in 29\xa0minutes" in html
        assert "Yelp" in html and "excerpt" in html.lower()  # the connector's limits note
        assert "Never (entered by hand)" in html
        row_counts = [s.review_count for s in page.context["sources"]]
        assert sorted(row_counts) == [0, 1]

    def test_archived_sources_are_hidden(self, yelp_a, manual_a, alice, client_of):
        client = client_of(alice)
        assert client.post(f"/reviews/sources/{yelp_a.uuid}/archive/").status_code == 302
        names = [s.name for s in client.get("/reviews/sources/").context["sources"]]
        assert names == ["Facebook"]
        yelp_a.refresh_from_db()
        assert yelp_a.archived_at and not yelp_a.is_active and yelp_a.next_poll_at is None
        assert client.get(f"/reviews/sources/{yelp_a.uuid}/edit/").status_code == 404
        assert client.post(f"/reviews/sources/{yelp_a.uuid}/poll/").status_code == 404

    def test_staff_get_403(self, yelp_a, bob, client_of):
        client = client_of(bob)
        for url in ["/reviews/sources/", "/reviews/sources/connect/",
                    f"/reviews/sources/{yelp_a.uuid}/", "/reviews/sources/add-review/",
                    "/reviews/sources/import/"]:  # fmt: skip
            assert client.get(url).status_code == 403, url

    def test_it_hides_other_businesses(self, yelp_a, charlie, business_b, client_of):
        client = client_of(charlie)
        assert list(client.get("/reviews/sources/").context["sources"]) == []
        base = f"/reviews/sources/{yelp_a.uuid}/"
        assert client.get(base).status_code == 404
        assert client.get(base + "edit/").status_code == 404
        assert client.post(base + "edit/", {"name": "Mine"}).status_code == 404
        assert client.post(base + "archive/").status_code == 404
        assert client.post(base + "poll/").status_code == 404
        yelp_a.refresh_from_db()
        assert yelp_a.name == "Yelp Lyon" and yelp_a.archived_at is None


class TestConnect:
    def test_the_choices_explain_each_site_and_facebook(self, business_a, alice, client_of):
        html = client_of(alice).get("/reviews/sources/connect/").content.decode()
        for label in ["Google Business Profile", "Yelp", "Trustpilot", "Tripadvisor", "feed",
                      "Other site"]:  # fmt: skip
            assert label in html
        assert "Graph API v22" in html and "by hand or by CSV" in html

    def test_it_connects_with_secrets_encrypted_and_never_shown(self, business_a, mia, client_of):
        client = client_of(mia)
        before = timezone.now()
        reply = connect(client, "yelp")
        assert reply.status_code == 302, reply.content.decode()
        source = ReviewSource.objects.get(business=business_a)
        assert YELP_KEY not in source.secrets_encrypted
        assert vault.decrypt(source.secrets_encrypted) == {"api_key": YELP_KEY}
        assert source.secret_hint == "…1234"
        assert before <= source.next_poll_at <= timezone.now()
        assert source.poll_interval_minutes == 60 and source.health == SourceHealth.NEW
        for url in [reply.url, f"/reviews/sources/{source.uuid}/edit/", "/reviews/sources/"]:
            html = client.get(url).content.decode()
            assert YELP_KEY not in html
        assert "…1234" in client.get(f"/reviews/sources/{source.uuid}/edit/").content.decode()

    def test_the_form_asks_for_the_connectors_own_fields(self, business_a, alice, client_of):
        form = client_of(alice).get("/reviews/sources/connect/google/").context["form"]
        assert {"secret_refresh_token", "secret_client_id", "secret_client_secret"} <= set(
            form.fields
        )
        assert form.fields["external_id"].label.startswith("Location name")
        assert form.fields["poll_interval_minutes"].initial == 60
        assert 'type="password"' in str(form["secret_client_secret"])

    @pytest.mark.parametrize(
        ("field", "value", "words"),
        [
            ("base_url", "http://10.1.2.3/", "API base URL: The host 10.1.2.3 is a private"),
            ("base_url", "http://127.0.0.1:9/", "API base URL: The host 127.0.0.1"),
            ("base_url", "ftp://example.com/", "API base URL: Only http and https"),
            ("review_page_url", "javascript:alert(1)", "Review page: enter a web address"),
        ],
    )
    def test_unsafe_addresses_are_refused_naming_the_field(
        self, field, value, words, business_a, alice, client_of
    ):
        reply = connect(client_of(alice), "yelp", **{field: value})
        assert reply.status_code == 400
        assert words in " ".join(reply.context["form"].errors[field])
        assert not ReviewSource.objects.exists()

    def test_a_feed_on_a_private_address_is_refused(self, business_a, alice, client_of):
        reply = connect(
            client_of(alice), "feed", name="Feed", external_id="http://192.168.0.10/reviews.xml"
        )
        assert reply.status_code == 400
        assert "Feed address (URL): The host 192.168.0.10" in str(reply.context["form"].errors)
        assert not ReviewSource.objects.exists()

    def test_loopback_passes_only_when_allowed(self, business_a, alice, client_of, settings):
        settings.OUTBOUND_ALLOW_LOOPBACK = True
        assert connect(client_of(alice), "yelp", base_url="http://127.0.0.1:9").status_code == 302

    @pytest.mark.parametrize("minutes", ["4", "10081", "soon"])
    def test_the_poll_interval_has_bounds(self, minutes, business_a, alice, client_of):
        reply = connect(client_of(alice), "yelp", poll_interval_minutes=minutes)
        assert reply.status_code == 400 and "poll_interval_minutes" in reply.context["form"].errors

    def test_required_credentials_and_ids(self, business_a, alice, client_of):
        reply = connect(client_of(alice), "yelp", external_id="", secret_api_key="")
        errors = reply.context["form"].errors
        assert reply.status_code == 400 and {"external_id", "secret_api_key"} <= set(errors)

    @pytest.mark.parametrize(
        "provider", ["google", "yelp", "trustpilot", "tripadvisor", "feed", "manual"]
    )
    def test_every_form_renders(self, provider, business_a, alice, client_of):
        client = client_of(alice)
        assert client.get(f"/reviews/sources/connect/{provider}/").status_code == 200
        assert client.post(f"/reviews/sources/connect/{provider}/", {}).status_code == 400

    def test_a_malformed_address_is_an_error_not_a_crash(self, business_a, alice, client_of):
        reply = connect(client_of(alice), "yelp", base_url="http://[::1")
        assert reply.status_code == 400
        assert "API base URL: not a web address" in str(reply.context["form"].errors)

    def test_an_unknown_provider_is_404(self, business_a, alice, client_of):
        assert client_of(alice).get("/reviews/sources/connect/facebook/").status_code == 404

    def test_an_other_site_source_has_no_credentials_and_is_never_polled(
        self, business_a, alice, client_of
    ):
        client = client_of(alice)
        form = client.get("/reviews/sources/connect/manual/").context["form"]
        assert set(form.fields) == {"name", "location", "review_page_url"}
        reply = client.post("/reviews/sources/connect/manual/", {"name": "Facebook"})
        assert reply.status_code == 302
        source = ReviewSource.objects.get()
        assert source.next_poll_at is None and source.secrets_encrypted == ""
        client.post(f"/reviews/sources/{source.uuid}/poll/")
        source.refresh_from_db()
        assert source.next_poll_at is None and source.last_polled_at is None

    def test_a_location_of_another_business_is_refused(
        self, business_a, business_b, alice, client_of
    ):
        theirs = location_create(business=business_b, name="Salon")
        reply = connect(client_of(alice), "yelp", location=str(theirs.uuid))
        assert reply.status_code == 400 and "location" in reply.context["form"].errors


class TestEdit:
    def test_blank_secrets_keep_the_saved_ones(self, yelp_a, alice, client_of):
        body = {"name": "Yelp (Lyon)", "external_id": yelp_a.external_id,
                "poll_interval_minutes": "30", "secret_api_key": ""}  # fmt: skip
        reply = client_of(alice).post(f"/reviews/sources/{yelp_a.uuid}/edit/", body)
        assert reply.status_code == 302
        yelp_a.refresh_from_db()
        assert yelp_a.name == "Yelp (Lyon)" and yelp_a.poll_interval_minutes == 30
        assert vault.decrypt(yelp_a.secrets_encrypted) == {"api_key": YELP_KEY}

    def test_a_new_address_or_key_starts_over(self, yelp_a, alice, client_of):
        ReviewSource.objects.filter(pk=yelp_a.pk).update(
            cursor={"seen": ["a"]}, next_poll_at=timezone.now() + timedelta(hours=1)
        )
        body = {"name": "Yelp", "external_id": "other-cafe", "poll_interval_minutes": "60",
                "secret_api_key": "a-brand-new-key-5678"}  # fmt: skip
        client_of(alice).post(f"/reviews/sources/{yelp_a.uuid}/edit/", body)
        yelp_a.refresh_from_db()
        assert yelp_a.cursor == {} and yelp_a.next_poll_at <= timezone.now()
        assert vault.decrypt(yelp_a.secrets_encrypted) == {"api_key": "a-brand-new-key-5678"}
        assert yelp_a.secret_hint == "…5678"

    def test_errors_name_the_field(self, yelp_a, alice, client_of):
        body = {"name": "", "external_id": "x", "poll_interval_minutes": "60",
                "base_url": "http://169.254.169.254/latest"}  # fmt: skip
        reply = client_of(alice).post(f"/reviews/sources/{yelp_a.uuid}/edit/", body)
        assert reply.status_code == 400
        assert {"name", "base_url"} <= set(reply.context["form"].errors)
        yelp_a.refresh_from_db()
        assert yelp_a.base_url == "" and yelp_a.name == "Yelp Lyon"


class TestDetailAndPolling:
    def test_poll_now_reads_the_site_over_http(
        self, business_a, alice, client_of, provider_server, django_capture_on_commit_callbacks
    ):
        provider_server.put_reviews("yelp", SITE_IDS["yelp"], sample_reviews(3))
        client = client_of(alice)
        connect(client, "yelp", secret_api_key="yelp-key", base_url=provider_server.url)
        source = ReviewSource.objects.get()
        with django_capture_on_commit_callbacks(execute=True):
            reply = client.post(f"/reviews/sources/{source.uuid}/poll/")
        assert reply.status_code == 302
        source.refresh_from_db()
        assert source.health == SourceHealth.OK and source.last_success_at is not None
        assert Review.objects.filter(source=source).count() == 3
        html = client.get(f"/reviews/sources/{source.uuid}/").content.decode()
        assert "Review number 2" in html and f"?source={source.uuid}" in html

    def test_the_detail_escapes_review_text(self, yelp_a, alice, client_of):
        Review.objects.create(
            business=yelp_a.business, source=yelp_a, external_id="x", created_at=timezone.now(),
            author_name="<b>Eve</b>", text="<script>alert(1)</script>",
        )  # fmt: skip
        html = client_of(alice).get(f"/reviews/sources/{yelp_a.uuid}/").content.decode()
        assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
        assert "&lt;b&gt;Eve" in html
