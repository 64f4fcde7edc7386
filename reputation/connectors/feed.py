from __future__ import annotations

from .base import Connector


class FeedConnector(Connector):
    provider = "feed"
