from __future__ import annotations

from rest_framework.routers import DefaultRouter

from reports import api

router = DefaultRouter()
router.register("progress-snapshots", api.ProgressSnapshotViewSet, basename="progress-snapshot")
router.register("execution-kpis", api.ExecutionKpiViewSet, basename="execution-kpi")
router.register("alerts", api.AlertViewSet, basename="alert")
router.register("closed-months", api.ClosedMonthViewSet, basename="closed-month")

urlpatterns = router.urls
