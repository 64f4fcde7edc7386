from __future__ import annotations

from .base import Connector


class YelpConnector(Connector):
    provider = "yelp"
