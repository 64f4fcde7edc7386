"""Every request the platform makes to a URL a user typed (review APIs and feeds, alert
webhooks).

A URL is refused when its host resolves to a private, loopback, link-local or other
non-public address, before connecting and again at every redirect, so a feed URL
cannot reach the database, Redis or a cloud metadata service (server-side request
forgery). `OUTBOUND_ALLOW_LOOPBACK` lets 127.0.0.1 through for tests and the demo,
whose provider servers run there. Bodies are capped (`OUTBOUND_MAX_BYTES`) and every
request has a timeout, so a hostile server can neither fill memory nor hang a worker.
A redirect to another host (scheme, host or port) is followed without the caller's
headers and query, which carry the site's credentials, and a request body is never
sent on to another host.

The address is checked twice: when the URL's host is resolved (so a refusal names the
host and its addresses), and again on the socket itself once it has connected, since
requests resolves the name anew when connecting and a DNS server may answer the second
time with a private address (DNS rebinding). An egress firewall is still the fuller answer.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

MAX_REDIRECTS = 5
USER_AGENT = "cx-platform/1.0 (+review monitoring)"


class OutboundError(Exception):
    """The request could not be made or completed; `message` is in plain words."""

    transient = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UrlRefused(OutboundError):
    """The URL is not one the platform may fetch."""


class Unreachable(OutboundError):
    """Timeout, refused connection, DNS failure: may pass on the next try."""

    transient = True


class ResponseTooLarge(OutboundError):
    pass


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str
    history: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def json(self):
        """The body as JSON; ValueError when it is not."""
        return json.loads(self.body.decode("utf-8"))


def address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return settings.OUTBOUND_ALLOW_LOOPBACK
    return ip.is_global and not ip.is_multicast


def url_check(url: str) -> None:
    """Raise UrlRefused unless `url` is http(s) to a host with only public addresses."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise UrlRefused(f"Only http and https addresses can be fetched, not {url!r}.")
    if not parts.hostname:
        raise UrlRefused(f"The address {url!r} names no host.")
    if parts.username or parts.password:
        raise UrlRefused("Put credentials in the credentials fields, not in the address.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError) as error:
        raise Unreachable(f"The host {parts.hostname} could not be found ({error}).") from None
    refused = sorted({info[4][0] for info in infos if not address_allowed(info[4][0])})
    if refused:
        raise UrlRefused(
            f"The host {parts.hostname} is a private or local address ({', '.join(refused)}); "
            "only public sites can be fetched."
        )


def connected_address_check(sock: socket.socket, host: str) -> None:
    """Refuse a socket whose peer is not an allowed address, whatever DNS said before."""
    address = sock.getpeername()[0]
    if not address_allowed(address):
        sock.close()
        raise UrlRefused(
            f"The host {host} led to a private or local address ({address}) when "
            "connecting; only public sites can be fetched."
        )


class PeerChecked:
    """Mixed into urllib3's connections: each new socket is checked once connected. For
    HTTPS, TLS is set up on the socket _new_conn returns, so it is checked before any byte
    (the server name included) is sent."""

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        connected_address_check(sock, self.host)
        return sock


class CheckedHTTPConnection(PeerChecked, HTTPConnection):
    pass


class CheckedHTTPSConnection(PeerChecked, HTTPSConnection):
    pass


class CheckedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = CheckedHTTPConnection


class CheckedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = CheckedHTTPSConnection


class CheckedAdapter(HTTPAdapter):
    """requests' adapter whose every new connection is checked once connected."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": CheckedHTTPConnectionPool,
            "https": CheckedHTTPSConnectionPool,
        }


_sessions = threading.local()


def session() -> requests.Session:
    """One keep-alive session per thread (a polling worker runs many threads)."""
    current = getattr(_sessions, "session", None)
    if current is None:
        current = _sessions.session = requests.Session()
        current.headers["User-Agent"] = USER_AGENT
        current.trust_env = False  # no proxy or .netrc from the worker's environment
        for prefix in ("http://", "https://"):
            current.mount(prefix, CheckedAdapter())
    return current


def fetch(
    method: str,
    url: str,
    *,
    params: dict | None = None,
    headers: dict | None = None,
    json_body=None,
    data: dict | bytes | None = None,
    timeout: float | None = None,
    max_bytes: int | None = None,
) -> Reply:
    """Make the request, following redirects (each one checked); any status is returned,
    only failures to get an answer raise (OutboundError and its kinds)."""
    timeout = timeout or settings.OUTBOUND_TIMEOUT_SECONDS
    max_bytes = max_bytes or settings.OUTBOUND_MAX_BYTES
    history: list[str] = []
    for _ in range(MAX_REDIRECTS + 1):
        url_check(url)
        response = _send(method, url, params, headers, json_body, data, timeout)
        with response:
            if response.is_redirect and response.headers.get("location"):
                history.append(url)
                previous, url = url, urljoin(url, response.headers["location"])
                params = None  # the new location carries its own query
                if response.status_code in (301, 302, 303) and method != "HEAD":
                    method, json_body, data = "GET", None, None
                if origin(url) != origin(previous):
                    # The caller's headers carry the site's credentials (Authorization,
                    # apikey): they are for the host the caller named, not for wherever
                    # it sends us. Once dropped they stay dropped.
                    headers = None
                    if json_body is not None or data is not None:
                        raise UrlRefused(
                            f"{previous} sent the request on to another host ({url}); "
                            "its body was not sent there."
                        )
                continue
            body = _read_capped(response, max_bytes)
            headers_out = {k.lower(): v for k, v in response.headers.items()}
            return Reply(response.status_code, headers_out, body, url, history)
    raise OutboundError(f"More than {MAX_REDIRECTS} redirects from {history[0]}.")


def origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port: what must match for credentials to follow a redirect."""
    parts = urlsplit(url)
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:  # not a port number: no match, and url_check refuses it next
        port = None
    return parts.scheme, (parts.hostname or "").lower(), port


def _send(method, url, params, headers, json_body, data, timeout) -> requests.Response:
    try:
        return session().request(
            method, url, params=params, headers=headers, json=json_body, data=data,
            timeout=timeout, allow_redirects=False, stream=True,
        )  # fmt: skip
    except requests.Timeout:
        raise Unreachable(f"No answer within {timeout:g} seconds.") from None
    except requests.ConnectionError as error:
        raise Unreachable(f"Could not connect ({_reason(error)}).") from None
    except requests.RequestException as error:
        raise OutboundError(f"The request failed ({_reason(error)}).") from None


def _read_capped(response: requests.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ResponseTooLarge(
            f"The answer is {int(declared):,} bytes; the limit is {max_bytes:,}."
        )
    chunks, size = [], 0
    try:
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > max_bytes:
                raise ResponseTooLarge(f"The answer is over the limit of {max_bytes:,} bytes.")
            chunks.append(chunk)
    except requests.RequestException as error:
        raise Unreachable(f"The answer broke off ({_reason(error)}).") from None
    return b"".join(chunks)


def _reason(error: Exception) -> str:
    text = str(error)
    return text[:200] if text else type(error).__name__
