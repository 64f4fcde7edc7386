from __future__ import annotations

from .base import Connector


class TrustpilotConnector(Connector):
    provider = "trustpilot"
