from __future__ import annotations

from rest_framework.routers import DefaultRouter

from targets import api

router = DefaultRouter()
router.register("metrics", api.MetricViewSet, basename="metric")
router.register("distribution-profiles", api.ProfileViewSet, basename="distribution-profile")
router.register("targets", api.TargetViewSet, basename="target")
router.register("ramp-plans", api.RampPlanViewSet, basename="ramp-plan")
router.register("pending-changes", api.PendingChangeViewSet, basename="pending-change")

urlpatterns = router.urls
