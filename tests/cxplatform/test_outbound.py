"""The outbound HTTP guard, over real HTTP to a small server on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from cxplatform import outbound


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        routes = {
            "/ok": lambda: self.answer(200, b'{"fine": true}'),
            "/to-private": lambda: self.redirect("http://10.0.0.1/reviews"),
            "/to-metadata": lambda: self.redirect("http://169.254.169.254/latest/meta-data/"),
            "/to-ok": lambda: self.redirect("/ok"),
            "/loop": lambda: self.redirect("/loop"),
            "/declared-huge": lambda: self.answer(200, b"x" * 10, length=10 * 1024 * 1024),
            "/streamed-huge": self.stream_huge,
            "/slow": self.slow,
            "/teapot": lambda: self.answer(418, b"short and stout"),
        }
        routes.get(self.path, lambda: self.answer(404, b"no"))()

    def answer(self, status: int, body: bytes, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(length if length is not None else len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def stream_huge(self) -> None:
        # No Content-Length: the cap must hold while reading.
        self.send_response(200)
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            for _ in range(200):
                self.wfile.write(b"y" * 65536)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def slow(self) -> None:
        time.sleep(2)
        self.answer(200, b"late")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def loopback_allowed(settings):
    settings.OUTBOUND_ALLOW_LOOPBACK = True


def test_loopback_is_refused_unless_the_setting_allows_it(server, settings):
    settings.OUTBOUND_ALLOW_LOOPBACK = False
    with pytest.raises(outbound.UrlRefused, match="private or local address"):
        outbound.fetch("GET", f"{server}/ok")
    settings.OUTBOUND_ALLOW_LOOPBACK = True
    assert outbound.fetch("GET", f"{server}/ok").json() == {"fine": True}


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/feed.xml",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:10.0.0.1]/",
        "http://[fd00::1]/",
        "http://0.0.0.0/",
    ],
)
def test_private_and_link_local_addresses_are_refused_even_with_loopback_allowed(
    url, loopback_allowed
):
    with pytest.raises(outbound.UrlRefused):
        outbound.fetch("GET", url)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "Only http and https"),
        ("gopher://127.0.0.1:6379/_INFO", "Only http and https"),
        ("http:///no-host", "names no host"),
        ("http://user:secret@127.0.0.1/", "credentials fields"),
    ],
)
def test_other_schemes_and_odd_urls_are_refused_with_a_reason(url, reason, loopback_allowed):
    with pytest.raises(outbound.UrlRefused, match=reason):
        outbound.fetch("GET", url)


@pytest.mark.parametrize("path", ["/to-private", "/to-metadata"])
def test_a_redirect_to_a_private_address_is_refused(server, path, loopback_allowed):
    with pytest.raises(outbound.UrlRefused):
        outbound.fetch("GET", f"{server}{path}")


def test_a_redirect_to_an_allowed_address_is_followed(server, loopback_allowed):
    reply = outbound.fetch("GET", f"{server}/to-ok")
    assert (reply.status, reply.url, reply.history) == (200, f"{server}/ok", [f"{server}/to-ok"])


def test_endless_redirects_stop(server, loopback_allowed):
    with pytest.raises(outbound.OutboundError, match="redirects"):
        outbound.fetch("GET", f"{server}/loop")


@pytest.mark.parametrize("path", ["/declared-huge", "/streamed-huge"])
def test_a_body_over_the_cap_is_refused(server, path, settings, loopback_allowed):
    settings.OUTBOUND_MAX_BYTES = 1024 * 1024
    with pytest.raises(outbound.ResponseTooLarge):
        outbound.fetch("GET", f"{server}{path}")


def test_a_slow_server_times_out_as_a_transient_failure(server, loopback_allowed):
    with pytest.raises(outbound.Unreachable) as caught:
        outbound.fetch("GET", f"{server}/slow", timeout=0.3)
    assert caught.value.transient


def test_an_unknown_host_is_unreachable_not_a_crash(loopback_allowed):
    with pytest.raises(outbound.Unreachable, match="could not be found"):
        outbound.fetch("GET", "http://no-such-host.invalid/feed")


def test_error_statuses_are_returned_for_the_caller_to_judge(server, loopback_allowed):
    reply = outbound.fetch("GET", f"{server}/teapot")
    assert (reply.status, reply.ok, reply.body) == (418, False, b"short and stout")


# --- Credentials and redirects ---------------------------------------------------------

SECRETS = {"Authorization": "Bearer s3cret", "apikey": "k3y", "X-Site-Token": "t0ken"}


class Recorder(BaseHTTPRequestHandler):
    """Records each request's path and headers; /hop?to=URL redirects there with
    the status given by `code` (302 unless said)."""

    seen: list[tuple[str, str, dict[str, str]]]

    def do_GET(self) -> None:
        self.handle_any()

    def do_POST(self) -> None:
        self.handle_any()

    def handle_any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.seen.append((self.command, self.path, dict(self.headers.items())))
        if self.path.startswith("/hop"):
            query = parse_qs(urlsplit(self.path).query)
            self.send_response(int(query.get("code", ["302"])[0]))
            self.send_header("Location", query["to"][0])
        else:
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def recorders() -> Iterator[Callable[[], tuple[str, list]]]:
    """Starts recording servers, each on its own port (so each is another host)."""
    started = []

    def start() -> tuple[str, list]:
        seen: list = []
        handler = type("OneRecorder", (Recorder,), {"seen": seen})
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        started.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}", seen

    yield start
    for httpd in started:
        httpd.shutdown()
        httpd.server_close()


def hop(base: str, to: str, code: int = 302) -> str:
    return f"{base}/hop?{urlencode({'to': to, 'code': code})}"


def secrets_in(headers: dict[str, str]) -> set[str]:
    names = {name.lower() for name in headers}
    return {name for name in SECRETS if name.lower() in names}


def test_a_redirect_to_another_port_gets_no_credentials_or_query(recorders, loopback_allowed):
    site, _ = recorders()
    other, seen_by_other = recorders()
    reply = outbound.fetch(
        "GET", hop(site, f"{other}/landing"), headers=SECRETS, params={"key": "k3y"}
    )
    assert reply.status == 200 and reply.url == f"{other}/landing"
    [(_, path, headers)] = seen_by_other
    assert path == "/landing" and secrets_in(headers) == set()
    assert headers["User-Agent"] == outbound.USER_AGENT  # the session's own headers stay


def test_credentials_stay_dropped_when_the_chain_comes_back(recorders, loopback_allowed):
    site, seen_by_site = recorders()
    other, _ = recorders()
    outbound.fetch("GET", hop(site, hop(other, f"{site}/back")), headers=SECRETS)
    (_, first, sent), (_, back, resent) = seen_by_site
    assert first.startswith("/hop") and secrets_in(sent) == set(SECRETS)
    assert back == "/back" and secrets_in(resent) == set()


def test_a_redirect_on_the_same_host_keeps_the_credentials(recorders, loopback_allowed):
    site, seen = recorders()
    outbound.fetch("GET", hop(site, "/landing"), headers=SECRETS)
    assert [(path, secrets_in(headers)) for _, path, headers in seen] == [
        (seen[0][1], set(SECRETS)),
        ("/landing", set(SECRETS)),
    ]


def test_a_body_is_not_sent_on_to_another_host(recorders, loopback_allowed):
    site, _ = recorders()
    other, seen_by_other = recorders()
    with pytest.raises(outbound.UrlRefused, match="another host"):
        outbound.fetch(
            "POST", hop(site, f"{other}/token", code=307), data={"client_secret": "s3cret"}
        )
    assert seen_by_other == []
    # A 303 turns the POST into a bodyless GET, which may go anywhere checked.
    reply = outbound.fetch("POST", hop(site, f"{other}/done", code=303), data={"a": "b"})
    assert reply.status == 200 and [m for m, _, _ in seen_by_other] == ["GET"]


class RebindingResolver:
    """A DNS answer that changes between the check and the connection (DNS rebinding):
    the first lookup of `host` gives a public address, every later one the loopback."""

    def __init__(self, host: str, public: str = "93.184.215.14") -> None:
        self.host, self.public, self.lookups = host, public, 0
        self.real = socket.getaddrinfo

    def __call__(self, host, port, *args, **kwargs):
        if host != self.host:
            return self.real(host, port, *args, **kwargs)
        self.lookups += 1
        address = self.public if self.lookups == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_host_that_rebinds_to_loopback_when_connecting_is_refused(
    recorders, settings, monkeypatch, scheme
):
    settings.OUTBOUND_ALLOW_LOOPBACK = False
    base, seen = recorders()
    port = urlsplit(base).port
    resolver = RebindingResolver("reviews.example")
    monkeypatch.setattr(socket, "getaddrinfo", resolver)

    with pytest.raises(outbound.UrlRefused, match=r"\(127\.0\.0\.1\) when connecting"):
        outbound.fetch("GET", f"{scheme}://reviews.example:{port}/feed")

    assert resolver.lookups == 2  # checked once, then resolved again to connect
    assert seen == []  # not one byte reached the local server


def test_the_socket_check_alone_stops_a_request_to_a_refused_address(server, settings):
    settings.OUTBOUND_ALLOW_LOOPBACK = False
    # The session is used directly, without fetch's url_check: the connected socket's
    # own check must refuse it.
    with pytest.raises(outbound.UrlRefused, match="when connecting"):
        outbound.session().get(f"{server}/ok", timeout=2)
    settings.OUTBOUND_ALLOW_LOOPBACK = True
    assert outbound.session().get(f"{server}/ok", timeout=2).status_code == 200
