"""Setting up a new business across apps: the one place that knows every app's first rows."""

from __future__ import annotations

from django.db import transaction

from accounts.models import Business, User
from accounts.services import business_create
from feedback.services import survey_create_default_nps
from journeys.services import journey_create


def business_onboard(*, name: str, owner: User, **details) -> Business:
    with transaction.atomic():
        business = business_create(name=name, owner=owner, **details)
        business_ready(business=business)
    return business


def business_ready(*, business: Business) -> None:
    """Give a just-created business what every business starts with."""
    journey_create(business=business)  # first: the default survey names its touchpoint
    survey_create_default_nps(business=business)
