"""One connector per review site, all behind connectors.base.Connector."""

from __future__ import annotations

from cxplatform.vault import decrypt

from .base import Connector
from .feed import FeedConnector
from .google import GoogleConnector
from .tripadvisor import TripadvisorConnector
from .trustpilot import TrustpilotConnector
from .yelp import YelpConnector

CONNECTORS: dict[str, type[Connector]] = {
    connector.provider: connector
    for connector in (
        GoogleConnector,
        YelpConnector,
        TrustpilotConnector,
        TripadvisorConnector,
        FeedConnector,
    )
}


def connector_for(source, *, deadline: float | None = None) -> Connector:
    """The connector of a polled ReviewSource, with its credentials decrypted;
    `deadline` (time.monotonic()) ends a long read early, see Connector."""
    connector_class = CONNECTORS[source.provider]
    return connector_class(
        external_id=source.external_id,
        base_url=source.base_url,
        secrets=decrypt(source.secrets_encrypted),
        deadline=deadline,
    )
