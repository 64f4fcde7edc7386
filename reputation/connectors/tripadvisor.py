from __future__ import annotations

from .base import Connector


class TripadvisorConnector(Connector):
    provider = "tripadvisor"
