"""Routes of this area under /api/v1/."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from .api import InvitationViewSet

router = SimpleRouter()
router.register("invitations", InvitationViewSet, basename="invitation")

urlpatterns = router.urls
