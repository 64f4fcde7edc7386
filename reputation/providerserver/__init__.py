"""A local stand-in for the review sites, for tests, benchmarks and the demo.

It answers over real HTTP in the documented response shapes of:
- Google Business Profile: GET /v4/{accounts/A/locations/L}/reviews (reviews.list),
  PUT /v4/{...}/reviews/{id}/reply (updateReply), POST /token (OAuth refresh, and
  grant_type=authorization_code for the codes in google_auth_codes);
- Yelp Fusion: GET /v3/businesses/{id}/reviews (three excerpts at most);
- Trustpilot: GET /v1/business-units/{id}/reviews (paged), and the private
  POST /v1/private/reviews/{id}/reply with a business-user token;
- Tripadvisor Content API: GET /api/v1/location/{id}/reviews (five at most);
- feeds: GET /feeds/{id}.xml (RSS 2.0) and /feeds/{id}.atom (Atom), with ETag and
  Last-Modified, answering 304 to a matching conditional GET.

So a source pointing at it has base_url = server.url and the external id the tests put
reviews under; a feed source's external id is the feed URL, f"{server.url}/feeds/{id}.xml".
Besides the documented API (put_reviews, fail_next, set_raw, requests, replies,
google_access_tokens, api_keys) it offers add_review, reviews(), paths(method),
feed_url(id, atom=False), google_refresh_tokens, google_auth_codes
(default {"google-auth-code"}) and trustpilot_business_tokens
(default {"tp-business-token"}). demo.py holds the demo's ids, credentials and reviews.
Threads serve requests side by side and no lock is held while `latency` sleeps, so a
benchmark can run many polls at once against it.
"""

from __future__ import annotations

from .core import SiteReview
from .server import ProviderServer

__all__ = ["ProviderServer", "SiteReview"]
