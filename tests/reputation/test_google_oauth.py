"""Connect with Google: the OAuth sign-in for Google Business Profile sources, over real
HTTP against the local provider server's token endpoint."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from accounts.access import SESSION_BUSINESS_KEY
from accounts.services import location_create
from cxplatform import vault
from cxplatform.onboarding import business_onboard
from reputation.models import Review, ReviewSource, SourceHealth
from reputation.polling import source_poll
from reputation.sources.google_views import SESSION_KEY
from tests.reputation.conftest import SITE_IDS, sample_reviews

CONNECT = "/reviews/sources/connect/google/"
START = "/reviews/sources/google/start/"
CALLBACK = "/reviews/sources/google/callback/"
FINISH = "/reviews/sources/google/finish/"
GOOD_CODE = "google-auth-code"
LOCATION = SITE_IDS["google"]


@pytest.fixture
def oauth(settings, provider_server, business_a):
    """The platform's OAuth client set up, its token URL on the provider server (and
    alice's business, so she has one)."""
    settings.GOOGLE_OAUTH_CLIENT_ID = "demo-client.apps.googleusercontent.com"
    settings.GOOGLE_OAUTH_CLIENT_SECRET = "demo-client-secret"
    settings.GOOGLE_OAUTH_TOKEN_URL = f"{provider_server.url}/token"
    settings.SITE_URL = "https://cx.example.com/"
    return provider_server


def start(client: Client, **fields) -> str:
    """Start the sign-in; the state Google would send back."""
    reply = client.post(START, fields)
    assert reply.status_code == 302
    return parse_qs(urlsplit(reply["Location"]).query)["state"][0]


def texts(reply) -> list[str]:
    return [str(message) for message in get_messages(reply.wsgi_request)]


def token_posts(server) -> list[dict[str, list[str]]]:
    return [
        parse_qs(body.decode())
        for method, path, _headers, body in server.requests
        if method == "POST" and path == "/token"
    ]


class TestStart:
    def test_the_redirect_carries_the_parameters_and_a_fresh_state(self, oauth, alice, client_of):
        client = client_of(alice)
        reply = client.post(START)
        assert reply.status_code == 302
        target = urlsplit(reply["Location"])
        assert (target.scheme, target.netloc, target.path) == (
            "https", "accounts.google.com", "/o/oauth2/v2/auth",
        )  # fmt: skip
        query = {key: values[0] for key, values in parse_qs(target.query).items()}
        state = query.pop("state")
        assert query == {
            "client_id": "demo-client.apps.googleusercontent.com",
            "redirect_uri": "https://cx.example.com/reviews/sources/google/callback/",
            "response_type": "code",
            "scope": "https://www.googleapis.com/auth/business.manage",
            "access_type": "offline",
            "prompt": "consent",
        }
        assert len(state) >= 40 and client.session[SESSION_KEY]["state"] == state
        # A second start replaces the state; a GET (a link from anywhere) starts nothing.
        again = client.post(START)
        assert again.status_code == 302 and state not in again["Location"]
        assert client.get(START).status_code == 405

    def test_post_needs_the_csrf_token(self, oauth, alice):
        client = Client(enforce_csrf_checks=True)
        client.force_login(alice)
        assert client.post(START).status_code == 403

    def test_the_button_shows_only_when_a_client_is_configured(
        self, oauth, settings, alice, client_of
    ):
        client = client_of(alice)
        html = client.get(CONNECT).content.decode()
        assert "Connect with Google" in html and "Or enter credentials by hand" in html
        assert "read your reviews and answer them" in html
        assert 'name="secret_refresh_token"' in html  # the manual fields stay
        settings.GOOGLE_OAUTH_CLIENT_ID = ""
        html = client.get(CONNECT).content.decode()
        assert "Connect with Google" not in html and 'name="secret_refresh_token"' in html
        reply = client.post(START)
        assert reply["Location"] == CONNECT
        assert "not set up here" in texts(reply)[0]


class TestCallbackRefusals:
    @pytest.mark.parametrize(
        "query, words",
        [
            ("code=google-auth-code&state=forged", "does not belong to a sign-in started here"),
            ("code=google-auth-code", "does not belong to a sign-in started here"),
            ("error=access_denied&state={state}", "Google access was not granted"),
            ("error=access_denied", "Google access was not granted"),
            ("state={state}", "no sign-in code"),
        ],
    )
    def test_a_clear_message_and_nothing_saved(self, oauth, alice, client_of, query, words):
        client = client_of(alice)
        state = start(client)
        reply = client.get(f"{CALLBACK}?{query.format(state=state)}", follow=True)
        assert reply.status_code == 200
        assert reply.redirect_chain[-1][0] == CONNECT
        assert any(words in text for text in texts(reply))
        assert token_posts(oauth) == []
        assert not ReviewSource.objects.exists()
        assert client.get(FINISH)["Location"] == CONNECT  # no tokens are held

    def test_a_state_answers_once(self, oauth, alice, client_of):
        client = client_of(alice)
        state = start(client)
        assert client.get(f"{CALLBACK}?code={GOOD_CODE}&state={state}")["Location"] == FINISH
        again = client.get(f"{CALLBACK}?code={GOOD_CODE}&state={state}", follow=True)
        assert "does not belong to a sign-in started here" in texts(again)[0]
        assert len(token_posts(oauth)) == 1

    @pytest.mark.parametrize(
        "fault, words",
        [
            ("bad_code", "did not accept the sign-in"),
            ("server_error", "answered with an error (HTTP 503)"),
            ("not_json", "had no refresh token and access token"),
            ("unreachable", "Could not reach Google"),
        ],
    )
    def test_token_endpoint_failures(self, oauth, settings, alice, client_of, fault, words):
        code = GOOD_CODE
        if fault == "bad_code":
            code = "stolen-or-expired"
        elif fault == "server_error":
            oauth.fail_next("google", "", status=503)
        elif fault == "not_json":
            oauth.set_raw("/token", b"<html>oops</html>", content_type="text/html")
        else:
            settings.GOOGLE_OAUTH_TOKEN_URL = "http://127.0.0.1:9/token"  # discard port
        client = client_of(alice)
        state = start(client)
        reply = client.get(f"{CALLBACK}?code={code}&state={state}", follow=True)
        assert reply.status_code == 200 and reply.redirect_chain[-1][0] == CONNECT
        assert any(words in text for text in texts(reply)), texts(reply)
        assert not ReviewSource.objects.exists()
        assert client.get(FINISH)["Location"] == CONNECT

    def test_switching_business_midway_is_refused(self, oauth, alice, business_a, client_of):
        other = business_onboard(name="Alice's Bakery", owner=alice, industry="beauty")
        client = client_of(alice)
        state = start(client)
        session = client.session
        session[SESSION_BUSINESS_KEY] = str(other.uuid)
        session.save()
        reply = client.get(f"{CALLBACK}?code={GOOD_CODE}&state={state}", follow=True)
        assert "switched to another business" in texts(reply)[0]
        assert token_posts(oauth) == [] and not ReviewSource.objects.exists()


class TestConnecting:
    def test_the_owner_saves_and_the_source_polls(self, oauth, alice, business_a, client_of):
        location = location_create(business=business_a, name="Lyon")
        client = client_of(alice)
        state = start(client, name="Our Google profile", location=str(location.uuid))
        reply = client.get(f"{CALLBACK}?code={GOOD_CODE}&state={state}")
        assert reply["Location"] == FINISH
        (posted,) = token_posts(oauth)
        assert posted == {
            "code": [GOOD_CODE],
            "client_id": ["demo-client.apps.googleusercontent.com"],
            "client_secret": ["demo-client-secret"],
            "redirect_uri": ["https://cx.example.com/reviews/sources/google/callback/"],
            "grant_type": ["authorization_code"],
        }
        assert not ReviewSource.objects.exists()  # nothing until the owner saves

        page = client.get(FINISH)
        html = page.content.decode()
        assert page.status_code == 200 and "Google access is granted" in html
        assert "Our Google profile" in html and "secret_" not in html
        assert f'value="{location.uuid}" selected' in html  # kept from the start
        assert "google-refresh-" not in html and "google-access-" not in html
        assert "google-refresh-" not in str(dict(client.session))  # encrypted at rest

        refused = client.post(FINISH, {"name": "Our Google profile"})
        assert refused.status_code == 400 and not ReviewSource.objects.exists()
        assert "Location name" in refused.content.decode()

        saved = client.post(FINISH, {
            "name": "Our Google profile", "location": str(location.uuid),
            "external_id": LOCATION, "poll_interval_minutes": "60", "base_url": oauth.url,
        })  # fmt: skip
        source = ReviewSource.objects.get()
        assert saved["Location"] == f"/reviews/sources/{source.uuid}/"
        assert (source.provider, source.location, source.external_id) == (
            "google", location, LOCATION,
        )  # fmt: skip
        secrets = vault.decrypt(source.secrets_encrypted)
        assert secrets["refresh_token"] in oauth.google_refresh_tokens
        assert secrets["refresh_token"].startswith("google-refresh-")
        assert secrets["access_token"] in oauth.google_access_tokens
        assert (secrets["client_id"], secrets["client_secret"]) == (
            "demo-client.apps.googleusercontent.com", "demo-client-secret",
        )  # fmt: skip
        assert SESSION_KEY not in client.session
        assert client.get(FINISH)["Location"] == CONNECT  # the tokens are used once

        oauth.put_reviews("google", LOCATION, sample_reviews(3))
        assert source_poll(source_id=source.pk).startswith("ok: 3 new")
        # The access token expires: the refresh token Google gave renews it.
        oauth.google_access_tokens.clear()
        oauth.add_review("google", LOCATION, sample_reviews(1, prefix="late")[0])
        assert source_poll(source_id=source.pk).startswith("ok: 1 new")
        source.refresh_from_db()
        assert source.health == SourceHealth.OK
        assert Review.objects.filter(source=source).count() == 4


class TestWhoMay:
    def test_staff_get_403(self, oauth, bob, client_of):
        client = client_of(bob)
        assert client.post(START).status_code == 403
        assert client.get(f"{CALLBACK}?code={GOOD_CODE}&state=x").status_code == 403
        assert client.get(FINISH).status_code == 403
        assert token_posts(oauth) == []

    def test_an_outsider_cannot_use_alices_state(
        self, oauth, alice, business_a, charlie, business_b, client_of
    ):
        state = start(client_of(alice))
        outsider = client_of(charlie)
        reply = outsider.get(f"{CALLBACK}?code={GOOD_CODE}&state={state}", follow=True)
        assert reply.status_code == 200
        assert "does not belong to a sign-in started here" in texts(reply)[0]
        assert outsider.get(FINISH)["Location"] == CONNECT
        assert token_posts(oauth) == [] and not ReviewSource.objects.exists()
        html = outsider.get(CONNECT).content.decode()
        assert "Our Google profile" not in html and "google-refresh-" not in html
