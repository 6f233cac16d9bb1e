from __future__ import annotations

from rest_framework.routers import DefaultRouter

from meetings import api

router = DefaultRouter()
router.register("meetings", api.MeetingViewSet, basename="meeting")
router.register("checkins", api.CheckInViewSet, basename="checkin")
router.register("problems", api.ProblemViewSet, basename="problem")
router.register("corrective-actions", api.CorrectiveActionViewSet, basename="corrective-action")
router.register("coaching-notes", api.CoachingNoteViewSet, basename="coaching-note")

urlpatterns = router.urls
