"""Server-side request forgery through the alert webhook: a URL that reaches the
platform's own network (private, loopback, link-local: the database, Redis, a cloud
metadata service) is refused when the owner saves it and again when an alert is
posted, after every redirect too, however the address is spelled. Loopback is allowed
only where a test says so (OUTBOUND_ALLOW_LOOPBACK), for its receiver on 127.0.0.1."""

from __future__ import annotations

import pytest

from cxplatform.errors import ApplicationError
from tests.textanalysis.test_webhook_signing import an_alert, receiver  # noqa: F401 - fixture
from textanalysis.alerts import MAX_WEBHOOK_ATTEMPTS, WebhookFailed, alert_webhook_post
from textanalysis.configuration import insight_settings_update
from textanalysis.models import InsightSettings
from textanalysis.services import insight_settings_for

pytestmark = pytest.mark.django_db

PRIVATE = "points to a private or local network address"
NOT_A_WEB_ADDRESS = "must be a full web address"
# Addresses inside the platform's own network, as an attacker would type them.
FORBIDDEN = {
    "private 10.x": ("http://10.0.0.5/hook", PRIVATE),
    "private 192.168.x": ("https://192.168.1.20:8443/hook", PRIVATE),
    "cloud metadata": ("http://169.254.169.254/latest/meta-data/", PRIVATE),
    "IPv6 loopback": ("http://[::1]:6379/", PRIVATE),
    "IPv4 loopback": ("http://127.0.0.1:5432/", PRIVATE),
    "localhost by name": ("http://localhost:6379/", PRIVATE),
    "the unspecified address": ("http://0.0.0.0:8000/", PRIVATE),
    "IPv4 mapped in IPv6": ("http://[::ffff:10.0.0.5]/hook", PRIVATE),
    "IPv6 unique local": ("http://[fd00::1]/hook", PRIVATE),
    "decimal 127.0.0.1": ("http://2130706433/", NOT_A_WEB_ADDRESS),
    "hex 127.0.0.1": ("http://0x7f000001/", NOT_A_WEB_ADDRESS),
    "hex 169.254.169.254": ("http://0xa9fea9fe/latest/meta-data/", NOT_A_WEB_ADDRESS),
    "octal 127.0.0.1": ("http://0177.0.0.1/", NOT_A_WEB_ADDRESS),
    "short 127.1": ("http://127.1/", NOT_A_WEB_ADDRESS),
}
SETTINGS_API = "/api/v1/insight-settings/"


# --- Refused when saved -------------------------------------------------------------------


@pytest.mark.parametrize("kind", FORBIDDEN)
def test_a_url_into_the_platforms_network_is_refused_when_saved(business_a, kind):
    url, message = FORBIDDEN[kind]
    with pytest.raises(ApplicationError) as refused:
        insight_settings_update(business=business_a, webhook_url=url)
    assert list(refused.value.errors) == ["webhook_url"]
    assert message in refused.value.errors["webhook_url"][0]
    assert insight_settings_for(business_a).webhook_url == ""


def test_the_settings_page_names_the_field(alice, business_a, client_of):
    reply = client_of(alice).post(
        "/insights/settings/",
        {"alert_threshold": "-0.6", "urgent_terms": "", "webhook_url": "http://169.254.169.254/"},
    )
    assert reply.status_code == 400
    assert reply.context["form"].errors["webhook_url"][0].startswith("The webhook URL points")
    assert insight_settings_for(business_a).webhook_url == ""


def test_the_api_names_the_field(alice, business_a, client_of):
    reply = client_of(alice).patch(
        SETTINGS_API, {"webhook_url": "http://[::1]/"}, content_type="application/json"
    )
    assert reply.status_code == 400
    assert PRIVATE in reply.json()["errors"]["webhook_url"][0]


def test_credentials_in_the_url_are_refused(business_a):
    with pytest.raises(ApplicationError) as refused:
        insight_settings_update(business=business_a, webhook_url="https://me:pw@hooks.example.com/")
    assert "user name or password" in refused.value.errors["webhook_url"][0]


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.216.34/hook",  # a public address
        "https://hooks.example.com/services/T0/B0/x",  # no DNS answer yet: checked at delivery
    ],
)
def test_public_and_not_yet_resolvable_urls_are_accepted(business_a, url):
    assert insight_settings_update(business=business_a, webhook_url=url).webhook_url == url


def test_loopback_is_accepted_only_where_a_setting_allows_it(business_a, settings):
    url = "http://127.0.0.1:8001/hook"
    with pytest.raises(ApplicationError):
        insight_settings_update(business=business_a, webhook_url=url)
    settings.OUTBOUND_ALLOW_LOOPBACK = True
    assert insight_settings_update(business=business_a, webhook_url=url).webhook_url == url


# --- Refused when posted ------------------------------------------------------------------


def stored_as_is(business, url: str) -> None:
    """A URL saved before these checks existed, or whose DNS changed since: no service
    check stands between it and delivery."""
    InsightSettings.objects.filter(pk=insight_settings_for(business).pk).update(webhook_url=url)


def assert_given_up(alert, why: str) -> None:
    alert.refresh_from_db()
    assert alert.webhook_sent_at is None
    assert why in alert.webhook_error
    # Not retried: trying again cannot change the answer.
    assert alert.webhook_attempts == MAX_WEBHOOK_ATTEMPTS


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.5/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:9/",
        "http://2130706433:9/",  # 127.0.0.1 in decimal
        "http://0x7f000001:9/",  # and in hex
    ],
)
def test_a_stored_url_into_the_platforms_network_is_never_posted_to(business_a, url):
    stored_as_is(business_a, url)
    alert = an_alert(business_a)
    assert alert_webhook_post(alert_id=alert.pk) is False
    assert_given_up(alert, "private or local address")


def test_another_spelling_of_loopback_does_not_reach_a_local_receiver(
    receiver,  # noqa: F811 - the fixture
    business_a,
    settings,
):
    port = receiver.url.split(":")[2].split("/")[0]
    settings.OUTBOUND_ALLOW_LOOPBACK = False
    for url in [
        f"http://2130706433:{port}/",
        f"http://0x7f000001:{port}/",
        f"http://[::1]:{port}/",
    ]:
        stored_as_is(business_a, url)
        assert alert_webhook_post(alert_id=an_alert(business_a).pk) is False
    assert receiver.got == []


@pytest.mark.parametrize(
    ("status", "target"),
    [
        (302, "http://169.254.169.254/latest/meta-data/"),
        (303, "http://10.0.0.5/internal"),
        (301, "http://[fd00::1]/"),
    ],
)
def test_a_redirect_into_the_platforms_network_is_refused(
    receiver,  # noqa: F811 - the fixture
    business_a,
    status,
    target,
):
    receiver.answers["/hooks/alerts"] = (status, {"Location": target})
    insight_settings_update(business=business_a, webhook_url=receiver.url)
    alert = an_alert(business_a)
    assert alert_webhook_post(alert_id=alert.pk) is False
    assert [request.method for request in receiver.got] == ["POST"]  # and nothing after
    assert_given_up(alert, "private or local address")


def test_a_redirect_that_would_carry_the_body_to_another_host_is_refused(
    receiver,  # noqa: F811 - the fixture
    business_a,
):
    receiver.answers["/hooks/alerts"] = (307, {"Location": "http://10.0.0.5/internal"})
    insight_settings_update(business=business_a, webhook_url=receiver.url)
    alert = an_alert(business_a)
    assert alert_webhook_post(alert_id=alert.pk) is False
    assert_given_up(alert, "another host")


def test_a_redirect_on_the_same_receiver_is_followed_and_delivered(
    receiver,  # noqa: F811 - the fixture
    business_a,
):
    receiver.answers["/hooks/alerts"] = (307, {"Location": "/hooks/v2"})
    insight_settings_update(business=business_a, webhook_url=receiver.url)
    alert = an_alert(business_a)
    assert alert_webhook_post(alert_id=alert.pk) is True
    assert [(r.method, r.path) for r in receiver.got] == [
        ("POST", "/hooks/alerts"),
        ("POST", "/hooks/v2"),
    ]
    assert receiver.got[0].body == receiver.got[1].body
    assert receiver.got[1].headers["x-cx-signature"] == receiver.got[0].headers["x-cx-signature"]
    alert.refresh_from_db()
    assert alert.webhook_sent_at is not None


def test_a_receiver_that_answers_an_error_is_retried_not_given_up(
    receiver,  # noqa: F811 - the fixture
    business_a,
):
    receiver.answers["/hooks/alerts"] = (503, {})
    insight_settings_update(business=business_a, webhook_url=receiver.url)
    alert = an_alert(business_a)
    with pytest.raises(WebhookFailed):
        alert_webhook_post(alert_id=alert.pk)
    alert.refresh_from_db()
    assert alert.webhook_attempts == 1 and "503" in alert.webhook_error


def test_an_outsider_is_refused_too_and_changes_no_business(
    alice, charlie, business_a, business_b, client_of
):
    reply = client_of(charlie).patch(
        SETTINGS_API, {"webhook_url": "http://10.0.0.5/"}, content_type="application/json"
    )
    assert reply.status_code == 400
    assert insight_settings_for(business_a).webhook_url == ""
    assert insight_settings_for(business_b).webhook_url == ""
