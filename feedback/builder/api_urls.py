"""Routes of this area under /api/v1/ (surveys themselves are routed in cxplatform.urls)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from ..api import QuestionViewSet

router = SimpleRouter()
router.register("questions", QuestionViewSet, basename="question")

urlpatterns = router.urls
