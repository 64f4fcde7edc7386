"""Signed alert webhooks: each business gets a secret when it first sets a webhook URL,
held encrypted, shown once, rotatable by owners and managers; every request carries
X-CX-Timestamp and X-CX-Signature, which a receiver on 127.0.0.1 checks with the
README's own five lines."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.test import Client

from accounts.services import api_key_create
from cxplatform import vault
from textanalysis.alerts import MAX_WEBHOOK_ATTEMPTS, alert_webhook_post
from textanalysis.configuration import insight_settings_update
from textanalysis.models import Alert, AlertReason, InsightSettings
from textanalysis.services import insight_settings_for
from textanalysis.webhooks import webhook_secret_rotate

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"
SETTINGS_PAGE = "/insights/settings/"
ROTATE_PAGE = "/insights/settings/webhook-secret/"
SETTINGS_API = "/api/v1/insight-settings/"
ROTATE_API = "/api/v1/insight-settings/webhook-secret/"
SECRET = re.compile(r"whsec_[A-Za-z0-9_-]{40,}")


# --- A receiver on 127.0.0.1 -------------------------------------------------------------


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """What the receiver got, and how it answers: status and headers by path."""

    url: str
    got: list[Received] = field(default_factory=list)
    answers: dict[str, tuple[int, dict[str, str]]] = field(default_factory=dict)


def handler_for(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            receiver.got.append(Received(self.command, self.path, headers, body))
            status, extra = receiver.answers.get(self.path, (200, {}))
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        do_POST = do_GET = answer

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1, which the guarded client may reach only because
    tests allow loopback (OUTBOUND_ALLOW_LOOPBACK)."""
    settings.OUTBOUND_ALLOW_LOOPBACK = True
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)
    found = Receiver(url=f"http://127.0.0.1:{server.server_port}/hooks/alerts")
    server.RequestHandlerClass = handler_for(found)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield found
    server.shutdown()
    server.server_close()


def an_alert(business, excerpt: str = "Rude staff, awful coffee.") -> Alert:
    return Alert.objects.create(
        business=business, source="feedback.Answer", source_id=Alert.objects.count() + 1,
        reason=AlertReason.NEGATIVE, score=-0.8, excerpt=excerpt,
    )  # fmt: skip


# --- The receiver's side, as the README tells it ----------------------------------------


def readme_verify():
    """The README's Python snippet for receivers, run as written."""
    snippet = README.read_text().split("```python\n# Verify an alert webhook")[1]
    code = "# Verify an alert webhook" + snippet.split("```", 1)[0]
    written = [line for line in code.splitlines() if line.strip()]
    assert len(written) <= 6  # a comment and five lines
    namespace: dict = {}
    exec(code, namespace)
    return namespace["verify"]


def verified(secret: str, request: Received) -> bool:
    verify = readme_verify()
    return verify(
        secret, request.headers["x-cx-timestamp"], request.body, request.headers["x-cx-signature"]
    )


def first_secret(client: Client, url: str) -> str:
    """Save the first webhook URL in the browser and read the secret shown once."""
    data = {"alert_threshold": "-0.6", "urgent_terms": "refund", "webhook_url": url}
    reply = client.post(SETTINGS_PAGE, data)
    assert reply.status_code == 200
    assert "no-store" in reply["Cache-Control"]
    return SECRET.search(reply.content.decode()).group()


# --- Signing ------------------------------------------------------------------------------


def test_the_receiver_verifies_the_signature_with_the_secret(
    receiver, alice, business_a, client_of
):
    secret = first_secret(client_of(alice), receiver.url)
    alert = an_alert(business_a)
    assert alert_webhook_post(alert_id=alert.pk) is True
    (request,) = receiver.got
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-cx-signature"].startswith("v1=")
    assert abs(int(request.headers["x-cx-timestamp"]) - time.time()) < 60
    assert verified(secret, request)
    assert json.loads(request.body)["alert"]["id"] == str(alert.uuid)


def test_a_tampered_body_or_timestamp_fails_verification(receiver, alice, business_a, client_of):
    secret = first_secret(client_of(alice), receiver.url)
    alert_webhook_post(alert_id=an_alert(business_a).pk)
    (request,) = receiver.got
    tampered_body = request.body.replace(b"Rude staff", b"Lovely staff")
    assert tampered_body != request.body
    assert not verified(secret, Received("POST", "/", request.headers, tampered_body))
    later = {**request.headers, "x-cx-timestamp": str(int(request.headers["x-cx-timestamp"]) + 1)}
    assert not verified(secret, Received("POST", "/", later, request.body))
    assert not verified("whsec_someone-elses", request)


def test_an_old_request_played_again_fails_verification(
    receiver, alice, business_a, client_of, monkeypatch
):
    secret = first_secret(client_of(alice), receiver.url)
    alert_webhook_post(alert_id=an_alert(business_a).pk)
    (request,) = receiver.got
    verify = readme_verify()
    timestamp, signature = request.headers["x-cx-timestamp"], request.headers["x-cx-signature"]
    assert verify(secret, timestamp, request.body, signature)
    ten_minutes_later = time.time() + 600
    monkeypatch.setattr(time, "time", lambda: ten_minutes_later)
    assert not verify(secret, timestamp, request.body, signature)


def test_rotation_changes_the_signature_and_the_old_secret_stops(
    receiver, alice, business_a, client_of
):
    client = client_of(alice)
    old = first_secret(client, receiver.url)
    reply = client.post(ROTATE_PAGE)
    assert reply.status_code == 200 and "no-store" in reply["Cache-Control"]
    new = SECRET.search(reply.content.decode()).group()
    assert new != old
    alert_webhook_post(alert_id=an_alert(business_a).pk)
    (request,) = receiver.got
    assert verified(new, request)
    assert not verified(old, request)


def test_the_same_body_signed_after_rotation_has_another_signature(business_a):
    from textanalysis.webhooks import webhook_signature

    first = webhook_secret_rotate(business=business_a)
    second = webhook_secret_rotate(business=business_a)
    body = b'{"text": "hello"}'
    assert webhook_signature(secret=first, timestamp=1, body=body) != webhook_signature(
        secret=second, timestamp=1, body=body
    )


# --- The secret: made once, stored encrypted, shown once ---------------------------------


def test_the_secret_is_made_with_the_first_url_and_kept_after(alice, business_a):
    row = insight_settings_update(business=business_a, webhook_url="https://hooks.example.com/a")
    made = row.new_webhook_secret
    assert SECRET.fullmatch(made)
    again = insight_settings_update(business=business_a, webhook_url="https://hooks.example.com/b")
    assert again.new_webhook_secret == ""
    sealed = InsightSettings.objects.get(business=business_a)
    assert vault.decrypt(sealed.webhook_secret_encrypted) == {"webhook_secret": made}
    assert made not in sealed.webhook_secret_encrypted
    assert sealed.webhook_secret_hint == f"…{made[-4:]}"


def test_clearing_the_url_makes_no_secret(business_a):
    row = insight_settings_update(business=business_a, webhook_url="")
    assert row.new_webhook_secret == "" and row.webhook_secret_encrypted == ""


def test_the_page_shows_the_secret_once_then_only_its_end(alice, business_a, client_of):
    client = client_of(alice)
    secret = first_secret(client, "https://hooks.example.com/a")
    later = client.get(SETTINGS_PAGE).content.decode()
    assert secret not in later and SECRET.search(later) is None
    assert f"…{secret[-4:]}" in later and "Rotate secret" in later


def test_staff_cannot_rotate_and_an_outsider_rotates_only_their_own(
    alice, bob, charlie, business_a, business_b, client_of
):
    secret_a = first_secret(client_of(alice), "https://hooks.example.com/a")
    assert client_of(bob).post(ROTATE_PAGE).status_code == 403
    outsider = client_of(charlie).post(ROTATE_PAGE)
    assert outsider.status_code == 200
    assert f"…{secret_a[-4:]}" not in outsider.content.decode()
    row_a = insight_settings_for(business_a)
    assert vault.decrypt(row_a.webhook_secret_encrypted)["webhook_secret"] == secret_a
    assert insight_settings_for(business_b).webhook_secret_hint != row_a.webhook_secret_hint


def test_rotating_needs_a_post(alice, business_a, client_of):
    assert client_of(alice).get(ROTATE_PAGE).status_code == 405


def test_a_secret_the_keys_can_no_longer_read_stops_the_webhook_with_a_reason(
    receiver, alice, business_a, client_of, settings
):
    first_secret(client_of(alice), receiver.url)
    settings.SECRETS_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    alert = an_alert(business_a)
    assert alert_webhook_post(alert_id=alert.pk) is False
    alert.refresh_from_db()
    assert "rotate it" in alert.webhook_error and alert.webhook_attempts == MAX_WEBHOOK_ATTEMPTS
    assert receiver.got == []


def test_a_url_saved_before_secrets_existed_gets_one_at_delivery(receiver, business_a):
    InsightSettings.objects.filter(pk=insight_settings_for(business_a).pk).update(
        webhook_url=receiver.url
    )
    alert_webhook_post(alert_id=an_alert(business_a).pk)
    (request,) = receiver.got
    row = insight_settings_for(business_a)
    assert verified(vault.decrypt(row.webhook_secret_encrypted)["webhook_secret"], request)


# --- The API ------------------------------------------------------------------------------


def patch(client: Client, body: dict):
    return client.patch(SETTINGS_API, body, content_type="application/json")


def test_the_api_shows_the_secret_only_in_the_answer_that_made_it(alice, business_a, client_of):
    client = client_of(alice)
    made = patch(client, {"webhook_url": "https://hooks.example.com/a"})
    assert made.status_code == 200 and made["Cache-Control"] == "no-store"
    secret = made.json()["webhook_secret"]
    assert SECRET.fullmatch(secret)
    read = client.get(SETTINGS_API).json()
    assert read["webhook_secret"] is None
    assert read["webhook_secret_hint"] == f"…{secret[-4:]}"
    assert patch(client, {"webhook_url": "https://hooks.example.com/b"}).json()[
        "webhook_secret"
    ] is None  # fmt: skip


def test_the_api_rotates_for_owners_and_managers_only(
    alice, mia, bob, charlie, business_a, business_b, client_of
):
    first = patch(client_of(alice), {"webhook_url": "https://hooks.example.com/a"}).json()
    rotated = client_of(mia).post(ROTATE_API)
    assert rotated.status_code == 200 and rotated["Cache-Control"] == "no-store"
    body = rotated.json()
    assert SECRET.fullmatch(body["webhook_secret"])
    assert body["webhook_secret"] != first["webhook_secret"]
    assert body["webhook_secret_hint"] == f"…{body['webhook_secret'][-4:]}"
    assert client_of(bob).post(ROTATE_API).status_code == 403
    client_of(charlie).post(ROTATE_API)
    row_a = insight_settings_for(business_a)
    assert vault.decrypt(row_a.webhook_secret_encrypted)["webhook_secret"] == body["webhook_secret"]


def test_an_api_key_cannot_rotate_the_secret(alice, business_a):
    _key, raw = api_key_create(business=business_a, created_by=alice, name="till", scope="write")
    reply = Client().post(ROTATE_API, HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert reply.status_code == 403
    assert insight_settings_for(business_a).webhook_secret_encrypted == ""
