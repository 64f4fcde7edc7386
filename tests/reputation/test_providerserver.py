"""The local provider server itself: concurrency, injected failures, raw answers."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from cxplatform.demo.reviews import review_sources_create
from reputation.connectors import connector_for
from reputation.providerserver import ProviderServer, SiteReview
from reputation.providerserver.demo import DEMO_IDS, DEMO_URL, new_review, starting_reviews

from .conftest import sample_reviews

YELP = {"Authorization": "Bearer yelp-key"}


def yelp_get(server: ProviderServer, business: str = "b") -> requests.Response:
    return requests.get(f"{server.url}/v3/businesses/{business}/reviews", headers=YELP, timeout=5)


def test_it_serves_requests_side_by_side_during_latency():
    with ProviderServer(latency=0.3) as server:
        server.put_reviews("yelp", "b", sample_reviews(1))
        started = time.monotonic()
        with ThreadPoolExecutor(20) as pool:
            statuses = list(pool.map(lambda _: yelp_get(server).status_code, range(20)))
        elapsed = time.monotonic() - started
    assert statuses == [200] * 20
    assert elapsed < 0.3 * 5  # one at a time would take 6 s
    assert len(server.requests) == 20


def test_fail_next_fails_that_many_times_then_recovers(provider_server):
    provider_server.put_reviews("yelp", "b", sample_reviews(1))
    provider_server.put_reviews("yelp", "other", sample_reviews(1))
    provider_server.fail_next("yelp", "b", status=503, times=2, headers={"Retry-After": "7"})
    assert yelp_get(provider_server, "other").status_code == 200  # only that business fails
    first, second, third = (yelp_get(provider_server) for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (503, 503, 200)
    assert first.headers["Retry-After"] == "7"


def test_set_raw_answers_exact_bytes_with_or_without_the_query(provider_server):
    provider_server.set_raw("/v3/businesses/b/reviews", b"{broken", status=200)
    response = requests.get(f"{provider_server.url}/v3/businesses/b/reviews?limit=3", timeout=5)
    assert (response.status_code, response.content) == (200, b"{broken")
    provider_server.set_raw("/moved", b"", status=302, headers={"Location": "http://10.0.0.1/"})
    moved = requests.get(f"{provider_server.url}/moved", allow_redirects=False, timeout=5)
    assert (moved.status_code, moved.headers["Location"]) == (302, "http://10.0.0.1/")


def test_page_size_caps_google_and_trustpilot_pages():
    with ProviderServer(page_size=10) as server:
        server.put_reviews("google", "accounts/1/locations/2", sample_reviews(20))
        server.put_reviews("trustpilot", "u", sample_reviews(20))
        google = requests.get(
            f"{server.url}/v4/accounts/1/locations/2/reviews?pageSize=50",
            headers={"Authorization": "Bearer google-access-token"}, timeout=5,
        ).json()  # fmt: skip
        trustpilot = requests.get(
            f"{server.url}/v1/business-units/u/reviews?perPage=100",
            headers={"apikey": "tp-key"}, timeout=5,
        ).json()  # fmt: skip
    assert (len(google["reviews"]), google["nextPageToken"], google["totalReviewCount"]) == (
        10, "10", 20,
    )  # fmt: skip
    assert len(trustpilot["reviews"]) == 10
    assert [link["rel"] for link in trustpilot["links"]] == ["self", "next-page"]


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/v4/accounts/1/locations/2/reviews", {"Authorization": "Bearer wrong"}),
        ("/v3/businesses/b/reviews", {}),
        ("/v1/business-units/u/reviews", {"apikey": "wrong"}),
        ("/api/v1/location/1/reviews?key=wrong", {}),
    ],
)
def test_wrong_credentials_get_a_401(provider_server, path, headers):
    assert (
        requests.get(f"{provider_server.url}{path}", headers=headers, timeout=5).status_code == 401
    )


def test_a_google_reply_is_recorded_and_shown_in_the_listing(provider_server):
    provider_server.put_reviews("google", "accounts/1/locations/2", [SiteReview("x", 5, "Yum")])
    auth = {"Authorization": "Bearer google-access-token"}
    url = f"{provider_server.url}/v4/accounts/1/locations/2/reviews"
    put = requests.put(f"{url}/x/reply", json={"comment": "Thanks"}, headers=auth, timeout=5)
    assert put.status_code == 200
    assert provider_server.replies == {("google", "accounts/1/locations/2", "x"): "Thanks"}
    listed = requests.get(url, headers=auth, timeout=5).json()["reviews"][0]
    assert listed["reviewReply"]["comment"] == "Thanks"
    missing = requests.put(f"{url}/nope/reply", json={"comment": "Hi"}, headers=auth, timeout=5)
    assert missing.status_code == 404


def test_unknown_paths_and_methods_are_plain_errors(provider_server):
    assert requests.get(f"{provider_server.url}/nothing", timeout=5).status_code == 404
    assert (
        requests.delete(f"{provider_server.url}/v3/businesses/b/reviews", timeout=5).status_code
        == 405
    )


def test_stop_frees_the_port():
    server = ProviderServer().start()
    url = server.url
    server.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/feeds/x.xml", timeout=2)


def test_the_demo_sources_read_the_demo_sites(db, provider_server, business_a):
    """The demo's seeded sources, aimed at a server seeded like the demo command's."""
    for provider, reviews in starting_reviews(random.Random(1)).items():
        provider_server.put_reviews(provider, DEMO_IDS[provider], reviews)
    sources = review_sources_create(business=business_a, location=None)
    assert sorted(source.provider for source in sources) == sorted(DEMO_IDS)
    for source in sources:
        assert source.next_poll_at is not None
        source.base_url = source.base_url.replace(DEMO_URL, provider_server.url)
        source.external_id = source.external_id.replace(DEMO_URL, provider_server.url)
        result = connector_for(source).fetch({})
        assert result.reviews, source.provider
        assert result.skipped == []


def test_one_in_five_new_demo_reviews_is_unhappy():
    rng = random.Random(3)
    ratings = [new_review(rng).rating for _ in range(1000)]
    unhappy = sum(rating <= 2 for rating in ratings) / len(ratings)
    assert 0.15 < unhappy < 0.25
