"""Routes of this app under /api/v1/."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from .owner_api import AuditEntryViewSet, BusinessSettingsView
from .team_api import TeamInvitationViewSet, TeamViewSet

router = SimpleRouter()
# Invitations first: "invitations" would otherwise be read as a member's uuid.
router.register("team/invitations", TeamInvitationViewSet, basename="team-invitation")
router.register("team", TeamViewSet, basename="team-member")
router.register("audit-entries", AuditEntryViewSet, basename="audit-entry")

urlpatterns = [
    path("business-settings/", BusinessSettingsView.as_view(), name="business-settings"),
    *router.urls,
]
