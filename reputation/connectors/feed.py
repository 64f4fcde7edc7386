"""RSS 2.0, RSS 1.0 and Atom feeds of reviews (a site that publishes its reviews as a
feed, or a review widget's export). The source's external id is the feed's URL.

Parsed with defusedxml: a feed that declares entities (the billion-laughs bomb, an
external entity reading local files) is refused. A conditional GET with the ETag and
Last-Modified of the last answer keeps an unchanged feed at one cheap 304. A feed lists
recent items only, so a poll is never complete. Stars are read from common patterns in
the title or text ("4/5", "4 out of 5", "★★★★☆"), else there is no rating.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils.translation import gettext_lazy as _

from .base import Connector, FetchedReview, FetchResult, MalformedPayload, SourceError
from .parsing import (
    MAX_AUTHOR,
    MAX_TITLE,
    cut,
    date_of,
    id_of,
    parse_when,
    read_items,
    text_of,
    url_of,
)

SITE = "feed"
ATOM = "{http://www.w3.org/2005/Atom}"
RSS1 = "{http://purl.org/rss/1.0/}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"

_OUT_OF_FIVE = re.compile(r"(?<![\d.])([1-5])(?:[.,]0)?\s*(?:/|out of|of)\s*5(?![\d.])", re.I)
_STARS = re.compile(r"(?<!★)(★{1,5})(☆*)(?![★☆])")
_STARS_WORD = re.compile(r"(?<![\d.])([1-5])\s*(?:stars?|étoiles?|sterne?|estrellas?)\b", re.I)


class FeedConnector(Connector):
    provider = "feed"
    default_base_url = ""
    can_reply = False
    limits_note = _(
        "A feed lists recent reviews only, often without stars; answer them on the site "
        "that publishes the feed."
    )
    secret_fields = ()
    optional_secrets = frozenset()
    external_id_label = _("Feed address (URL)")

    def fetch(self, cursor: dict) -> FetchResult:
        url = self.external_id.strip()
        if not url.lower().startswith(("http://", "https://")):
            raise SourceError(f"The feed address {url[:80]!r} should start with https://.")
        reply = self.request("GET", url, headers=_conditional_headers(cursor))
        if reply.status == 304:
            return FetchResult(reviews=[], cursor=dict(cursor), complete=False)
        items = _feed_items(_parse_xml(reply.body))
        reviews, skipped = read_items(items, _read_item, site=SITE)
        next_cursor = {
            key: value
            for key, value in (("etag", reply.header("etag")),
                               ("last_modified", reply.header("last-modified")))
            if value
        }  # fmt: skip
        return FetchResult(reviews=reviews, cursor=next_cursor, complete=False, skipped=skipped)

    def raise_for_status(self, reply) -> None:
        if reply.status != 304:  # "not modified" is the cheap, good answer
            super().raise_for_status(reply)


def _conditional_headers(cursor: dict) -> dict[str, str]:
    headers = {"Accept": "application/rss+xml, application/atom+xml, application/xml"}
    if isinstance(cursor.get("etag"), str) and cursor["etag"]:
        headers["If-None-Match"] = cursor["etag"]
    if isinstance(cursor.get("last_modified"), str) and cursor["last_modified"]:
        headers["If-Modified-Since"] = cursor["last_modified"]
    return headers


def _parse_xml(body: bytes) -> Element:
    try:
        return fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise MalformedPayload(
            "The feed declares XML entities, which are refused for safety (they can expand "
            "to gigabytes or read files on the server)."
        ) from None
    except (ParseError, ValueError) as error:
        raise MalformedPayload(f"The feed is not well-formed XML ({str(error)[:120]}).") from None


def _feed_items(root: Element) -> list[dict]:
    """Each item or entry as a plain dict of the fields a review needs."""
    if root.tag == "rss":
        return [_rss_item(item) for item in root.iter("item")]
    if root.tag == f"{ATOM}feed":
        return [_atom_entry(entry) for entry in root.iter(f"{ATOM}entry")]
    if root.tag == f"{RDF}RDF":
        return [_rss1_item(item) for item in root.iter(f"{RSS1}item")]
    raise MalformedPayload("The address does not give an RSS or Atom feed.")


def _child_text(element: Element, *tags: str) -> str:
    """The text of the first of `tags` present with some text."""
    for tag in tags:
        child = element.find(tag)
        if child is not None and (child.text or "").strip():
            return child.text.strip()
    return ""


def _rss_item(item: Element) -> dict:
    return {
        "id": _child_text(item, "guid", "link"),
        "title": _child_text(item, "title"),
        "text": _child_text(item, f"{CONTENT}encoded", "description"),
        "author": _child_text(item, f"{DC}creator", "author"),
        "published": _child_text(item, "pubDate", f"{DC}date"),
        "updated": "",
        "url": _child_text(item, "link"),
    }


def _rss1_item(item: Element) -> dict:
    link = _child_text(item, f"{RSS1}link")
    return {
        "id": item.get(f"{RDF}about") or link,
        "title": _child_text(item, f"{RSS1}title"),
        "text": _child_text(item, f"{CONTENT}encoded", f"{RSS1}description"),
        "author": _child_text(item, f"{DC}creator"),
        "published": _child_text(item, f"{DC}date"),
        "updated": "",
        "url": link,
    }


def _atom_entry(entry: Element) -> dict:
    author = entry.find(f"{ATOM}author")
    return {
        "id": _child_text(entry, f"{ATOM}id"),
        "title": _child_text(entry, f"{ATOM}title"),
        "text": _child_text(entry, f"{ATOM}content", f"{ATOM}summary"),
        "author": _child_text(author, f"{ATOM}name") if author is not None else "",
        "published": _child_text(entry, f"{ATOM}published", f"{ATOM}updated"),
        "updated": _child_text(entry, f"{ATOM}updated"),
        "url": _atom_link(entry),
    }


def _atom_link(entry: Element) -> str:
    for link in entry.findall(f"{ATOM}link"):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link.get("href", "")
    return ""


def _read_item(item: dict) -> FetchedReview:
    review_id = id_of(item["id"], site=SITE)
    published = date_of(item["published"], site="Feed", review_id=review_id)
    updated = parse_when(item["updated"])
    return FetchedReview(
        external_id=review_id,
        published_at=published,
        rating=rating_in(item["title"]) or rating_in(item["text"]),
        text=text_of(item["text"]),
        title=cut(item["title"], MAX_TITLE),
        author_name=cut(item["author"], MAX_AUTHOR),
        url=url_of(item["url"]),
        edited_at=updated if updated and updated > published else None,
    )


def rating_in(text: str) -> int | None:
    """Stars written in a title or text, or None: "4/5", "4 out of 5", "★★★★☆", "4 stars"."""
    match = _OUT_OF_FIVE.search(text)
    if match:
        return int(match.group(1))
    match = _STARS.search(text)
    if match and len(match.group(1)) + len(match.group(2)) <= 5:
        return len(match.group(1))
    match = _STARS_WORD.search(text)
    return int(match.group(1)) if match else None
