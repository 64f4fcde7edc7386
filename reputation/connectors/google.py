from __future__ import annotations

from .base import Connector


class GoogleConnector(Connector):
    provider = "google"
