"""RSS and Atom feed connector over real HTTP against the local provider server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reputation.connectors.base import MalformedPayload, SourceError
from reputation.connectors.feed import FeedConnector, rating_in
from reputation.providerserver import SiteReview

from .conftest import sample_reviews, site_connector

WRITTEN = datetime(2025, 4, 5, 6, 7, 8, tzinfo=UTC)


def feed_connector(server, path: str) -> FeedConnector:
    return FeedConnector(external_id=f"{server.url}{path}", secrets={})


def test_it_reads_an_rss_feed(provider_server):
    review = SiteReview("g-1", 4, "Lovely <em>tarts</em>", author="Lou", title="Great",
                        created=WRITTEN)  # fmt: skip
    provider_server.put_reviews("feed", "cafe", [review])
    result = site_connector(provider_server, "feed").fetch({})
    fetched = result.reviews[0]
    assert fetched.external_id == "g-1"
    assert fetched.published_at == WRITTEN  # from an RFC 822 pubDate
    assert (fetched.title, fetched.rating) == ("4/5 Great", 4)
    assert (fetched.text, fetched.author_name) == ("Lovely <em>tarts</em>", "Lou")
    assert fetched.url == f"{provider_server.feed_url('cafe')}#g-1"
    assert result.complete is False


def test_it_reads_an_atom_feed(provider_server):
    review = SiteReview("a-1", None, "No stars here", author="Kim", created=WRITTEN,
                        updated=WRITTEN + timedelta(days=1))  # fmt: skip
    provider_server.put_reviews("feed", "cafe", [review])
    connector = FeedConnector(external_id=provider_server.feed_url("cafe", atom=True))
    fetched = connector.fetch({}).reviews[0]
    assert fetched.external_id == "urn:review:a-1"
    assert (fetched.published_at, fetched.edited_at) == (WRITTEN, WRITTEN + timedelta(days=1))
    assert (fetched.rating, fetched.author_name) == (None, "Kim")


def test_an_unchanged_feed_costs_one_304(provider_server):
    provider_server.put_reviews("feed", "cafe", sample_reviews(3))
    first = site_connector(provider_server, "feed").fetch({})
    assert first.cursor["etag"] and first.cursor["last_modified"]
    second = site_connector(provider_server, "feed").fetch(first.cursor)
    assert (second.reviews, second.cursor) == ([], first.cursor)
    assert provider_server.requests[-1][2]["If-None-Match"] == first.cursor["etag"]
    provider_server.add_review("feed", "cafe", SiteReview("new", None, "Hello"))
    third = site_connector(provider_server, "feed").fetch(second.cursor)
    assert "new" in {r.external_id for r in third.reviews}
    assert third.cursor["etag"] != first.cursor["etag"]


def test_last_modified_alone_also_gives_a_304(provider_server):
    provider_server.put_reviews("feed", "cafe", sample_reviews(2))
    first = site_connector(provider_server, "feed").fetch({})
    cursor = {"last_modified": first.cursor["last_modified"]}
    assert site_connector(provider_server, "feed").fetch(cursor).reviews == []


RSS_ODD = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>t</title>
<item><link>https://example.com/r/1</link><title>Great visit</title>
 <description>&#9733;&#9733;&#9733;&#9733;&#9734; would come back</description>
 <dc:date>2025-01-02T03:04:05.123+01:00</dc:date></item>
<item><guid>no-date</guid><title>5/5</title><description>x</description></item>
<item><title>no id</title><pubDate>Thu, 02 Jan 2025 10:00:00 GMT</pubDate></item>
<item><guid>bad-date</guid><pubDate>yesterday-ish</pubDate></item>
</channel></rss>"""


def test_odd_items_are_skipped_with_reasons_and_the_rest_kept(provider_server):
    provider_server.set_raw("/feeds/odd.xml", RSS_ODD, content_type="application/rss+xml")
    result = feed_connector(provider_server, "/feeds/odd.xml").fetch({})
    assert [r.external_id for r in result.reviews] == ["https://example.com/r/1"]
    kept = result.reviews[0]
    assert kept.rating == 4  # four filled stars of five
    assert kept.published_at == datetime(2025, 1, 2, 2, 4, 5, 123000, tzinfo=UTC)
    assert len(result.skipped) == 3
    assert any("without an id" in reason for reason in result.skipped)
    assert any("no-date" in reason and "no usable date" in reason for reason in result.skipped)


RDF_FEED = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<item rdf:about="https://example.com/r/9"><title>3 out of 5</title>
<link>https://example.com/r/9</link><description>ok</description>
<dc:date>2025-01-02</dc:date><dc:creator>Bo</dc:creator></item></rdf:RDF>"""


def test_it_reads_an_rss_1_feed(provider_server):
    provider_server.set_raw("/feeds/rdf.xml", RDF_FEED, content_type="application/rdf+xml")
    fetched = feed_connector(provider_server, "/feeds/rdf.xml").fetch({}).reviews[0]
    assert (fetched.external_id, fetched.rating, fetched.author_name) == (
        "https://example.com/r/9", 3, "Bo",
    )  # fmt: skip
    assert fetched.published_at == datetime(2025, 1, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("4/5 lovely", 4),
        ("Rated 2 out of 5", 2),
        ("5.0/5", 5),
        ("★★★☆☆", 3),
        ("★", 1),
        ("3 stars", 3),
        ("Open 9/5 to 17/5", None),  # not "9 of 5"
        ("15/5", None),
        ("★★★★★★", None),  # six stars is not a five-star scale
        ("Top 10 places", None),
        ("", None),
    ],
)
def test_stars_are_read_from_common_patterns(text, rating):
    assert rating_in(text) == rating


def test_a_feed_address_must_be_http(provider_server):
    with pytest.raises(SourceError, match="https"):
        FeedConnector(external_id="file:///etc/passwd").fetch({})


def test_a_page_that_is_not_a_feed_is_malformed(provider_server):
    provider_server.set_raw(
        "/feeds/page.xml", b"<html><body>Hi</body></html>", content_type="text/html"
    )
    with pytest.raises(MalformedPayload, match="RSS or Atom"):
        feed_connector(provider_server, "/feeds/page.xml").fetch({})


def test_text_that_is_not_xml_is_malformed(provider_server):
    provider_server.set_raw("/feeds/junk.xml", b"<rss><channel><item>", content_type="text/xml")
    with pytest.raises(MalformedPayload, match="well-formed"):
        feed_connector(provider_server, "/feeds/junk.xml").fetch({})
