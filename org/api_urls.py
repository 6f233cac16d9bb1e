from __future__ import annotations

from rest_framework.routers import DefaultRouter

from org import api

router = DefaultRouter()
router.register("teams", api.TeamViewSet, basename="team")
router.register("members", api.MemberViewSet, basename="member")
router.register("customers", api.CustomerViewSet, basename="customer")
router.register("products", api.ProductViewSet, basename="product")
router.register("calendar", api.CalendarViewSet, basename="calendar")
router.register("auth/tokens", api.ApiTokenViewSet, basename="api-token-device")

urlpatterns = router.urls
