"""The HTTP server, its set-up methods, routing and injected failures."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from .core import Answer, Failure, Request, SiteReview, json_answer, to_int
from .sites import SiteHandlers


class ProviderServer(SiteHandlers):
    """See the module docstring; `put_reviews` seeds, `fail_next` and `set_raw` misbehave."""

    def __init__(
        self,
        *,
        latency: float = 0.0,
        page_size: int | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.latency = latency
        self.page_size = page_size
        self._address = (host, port)
        self._lock = threading.Lock()
        self._reviews: dict[tuple[str, str], list[SiteReview]] = {}
        self._failures: dict[tuple[str, str], list[Failure]] = {}
        self._raw: dict[str, Answer] = {}
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self.replies: dict[tuple[str, str, str], str] = {}
        self.google_access_tokens: set[str] = {"google-access-token"}
        self.google_refresh_tokens: set[str] = {"google-refresh-token"}
        # Sign-in codes POST /token trades for a new token pair (grant_type=authorization_code).
        self.google_auth_codes: set[str] = {"google-auth-code"}
        self.api_keys: dict[str, str] = {
            "yelp": "yelp-key",
            "tripadvisor": "ta-key",
            "trustpilot": "tp-key",
        }
        # Trustpilot's reply endpoint wants a business user's OAuth token, not the key.
        self.trustpilot_business_tokens: set[str] = {"tp-business-token"}
        self._routes: list[tuple[str, re.Pattern, str, Callable]] = [
            ("GET", re.compile(r"/v4/(accounts/[^/]+/locations/[^/]+)/reviews"), "google",
             self._google_list),
            ("PUT", re.compile(r"/v4/(accounts/[^/]+/locations/[^/]+)/reviews/([^/]+)/reply"),
             "google", self._google_reply),
            ("POST", re.compile(r"/token"), "google", self._google_token),
            ("GET", re.compile(r"/v3/businesses/([^/]+)/reviews"), "yelp", self._yelp_list),
            ("GET", re.compile(r"/v1/business-units/([^/]+)/reviews"), "trustpilot",
             self._trustpilot_list),
            ("POST", re.compile(r"/v1/private/reviews/([^/]+)/reply"), "trustpilot",
             self._trustpilot_reply),
            ("GET", re.compile(r"/api/v1/location/([^/]+)/reviews"), "tripadvisor",
             self._tripadvisor_list),
            ("GET", re.compile(r"/feeds/(.+)\.(xml|atom)"), "feed", self._feed),
        ]  # fmt: skip

    # --- life cycle --------------------------------------------------------------------

    def start(self) -> ProviderServer:
        handler = type("Handler", (_Handler,), {"provider_server": self})
        self._httpd = _Server(self._address, handler)
        host, port = self._httpd.server_address[:2]
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> ProviderServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # --- what tests set up --------------------------------------------------------------

    def put_reviews(self, provider: str, business_id: str, reviews: list[SiteReview]) -> None:
        with self._lock:
            self._reviews[(provider, business_id)] = list(reviews)

    def add_review(self, provider: str, business_id: str, review: SiteReview) -> None:
        with self._lock:
            self._reviews.setdefault((provider, business_id), []).append(review)

    def reviews(self, provider: str, business_id: str) -> list[SiteReview]:
        with self._lock:
            return list(self._reviews.get((provider, business_id), []))

    def fail_next(
        self,
        provider: str,
        business_id: str,
        *,
        status: int,
        times: int = 1,
        body: bytes | None = None,
        headers: dict | None = None,
    ) -> None:
        failure = Failure(status, times, body, dict(headers or {}))
        with self._lock:
            self._failures.setdefault((provider, business_id), []).append(failure)

    def set_raw(
        self,
        path: str,
        body: bytes,
        *,
        status: int = 200,
        content_type: str = "application/json",
        headers: dict | None = None,
    ) -> None:
        """Answer `path` (matched with or without the query) with exactly these bytes."""
        with self._lock:
            self._raw[path] = Answer(status, body, content_type, dict(headers or {}))

    def feed_url(self, business_id: str, *, atom: bool = False) -> str:
        return f"{self.url}/feeds/{business_id}.{'atom' if atom else 'xml'}"

    def paths(self, method: str = "GET") -> list[str]:
        with self._lock:
            return [path for verb, path, _, _ in self.requests if verb == method]

    # --- answering ----------------------------------------------------------------------

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        if self.latency:
            time.sleep(self.latency)  # outside the lock: requests overlap as on a real site
        with self._lock:
            self.requests.append((method, target, dict(headers), body))
            raw = self._raw.get(target) or self._raw.get(urlsplit(target).path)
        if raw is not None:
            return raw
        parts = urlsplit(target)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        lowered = {key.lower(): value for key, value in headers.items()}
        request = Request(method, unquote(parts.path), query, lowered, body)
        return self._route(request)

    def _route(self, request: Request) -> Answer:
        for method, pattern, provider, handle in self._routes:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            if method != request.method:
                return json_answer({"error": {"code": 405, "message": "Method not allowed."}}, 405)
            failure = self._take_failure(provider, self._business_of(provider, match))
            if failure is not None:
                return failure
            return handle(request, *match.groups())
        return json_answer({"error": {"code": 404, "message": "Not found."}}, 404)

    def _business_of(self, provider: str, match: re.Match) -> str:
        if provider == "trustpilot" and match.re.pattern.startswith("/v1/private"):
            return self._trustpilot_business_of(match.group(1)) or ""
        return match.group(1) if match.groups() else ""

    def _take_failure(self, provider: str, business_id: str) -> Answer | None:
        with self._lock:
            queue = self._failures.get((provider, business_id))
            if not queue:
                return None
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.pop(0)
        body = failure.body
        if body is None:
            body = json.dumps({"error": {"code": failure.status, "message": "Failure."}}).encode()
        return Answer(failure.status, body, headers=failure.headers)

    def _listing(self, provider: str, business_id: str) -> list[SiteReview] | None:
        """Newest change first, as the sites sort by default; None for an unknown id."""
        with self._lock:
            reviews = self._reviews.get((provider, business_id))
            if reviews is None:
                return None
            return sorted(reviews, key=lambda review: review.changed, reverse=True)

    def _page_limit(self, asked: int, maximum: int) -> int:
        limit = min(max(asked, 1), maximum)
        return min(limit, self.page_size) if self.page_size else limit


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Room for a benchmark's burst of simultaneous connections.
    request_queue_size = 256


class _Handler(BaseHTTPRequestHandler):
    provider_server: ProviderServer
    protocol_version = "HTTP/1.1"  # keep-alive, as the connectors' sessions expect
    # An idle keep-alive connection is closed after this, so finished clients free
    # their threads.
    timeout = 30

    def _serve(self) -> None:
        length = to_int(self.headers.get("Content-Length"), 0)
        body = self.rfile.read(length) if length else b""
        headers = dict(self.headers.items())
        try:
            answer = self.provider_server.answer(self.command, self.path, headers, body)
        except Exception as error:  # a bug here must look like a site's 500, not a hang
            answer = Answer(500, str(error).encode(), "text/plain")
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if answer.status != 304:
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        try:
            if answer.status != 304 and self.command != "HEAD":
                self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            # The client stopped reading (an oversize answer it refused): expected.
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _serve

    def log_message(self, format: str, *args) -> None:
        pass  # quiet in tests; the demo command prints its own lines
