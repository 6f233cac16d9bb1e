from __future__ import annotations

from rest_framework.routers import DefaultRouter

from visits import api

router = DefaultRouter()
router.register("visit-sheets", api.VisitSheetViewSet, basename="visit-sheet")
router.register("visits", api.VisitViewSet, basename="visit")
router.register("order-lines", api.OrderLineViewSet, basename="order-line")
router.register("visit-reviews", api.VisitReviewViewSet, basename="visit-review")
router.register("sale-records", api.SaleRecordViewSet, basename="sale-record")

urlpatterns = router.urls
