"""Routes of this app under /api/v1/."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from .api import CustomerImportViewSet, CustomerViewSet, PurchaseViewSet

router = SimpleRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("customer-imports", CustomerImportViewSet, basename="customer-import")
router.register("purchases", PurchaseViewSet, basename="purchase")

urlpatterns = router.urls
