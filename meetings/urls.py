from __future__ import annotations

from django.urls import path

from meetings import views

app_name = "meetings"

urlpatterns = [
    path("meetings/", views.index, name="index"),
    path("meetings/create/", views.create_day, name="create_day"),
    path("meetings/<int:pk>/check-in/", views.checkin, name="checkin"),
    path("meetings/<int:pk>/dashboard/", views.dashboard, name="dashboard"),
    path("meetings/<int:pk>/dashboard/live/", views.dashboard_live, name="dashboard_live"),
    path("meetings/<int:pk>/excuse/", views.excuse, name="excuse"),
    path("meetings/<int:pk>/allow-late/", views.allow_late, name="allow_late"),
    path("meetings/problems/", views.problem_list, name="problems"),
    path("meetings/problems/new/", views.problem_create, name="problem_create"),
    path("meetings/problems/<int:pk>/", views.problem_detail, name="problem"),
    path("meetings/problems/<int:pk>/resolve/", views.problem_resolve, name="problem_resolve"),
    path("meetings/problems/<int:pk>/actions/", views.action_create, name="action_create"),
    path("meetings/actions/<int:pk>/<str:step>/", views.action_step, name="action_step"),
    path("meetings/coaching/", views.coaching, name="coaching"),
    path("meetings/schedule/", views.schedule, name="schedule"),
]
