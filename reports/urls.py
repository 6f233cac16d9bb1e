from __future__ import annotations

from django.urls import path

from reports import closing_views, cockpit_views, robot_views, views, weekly_views

app_name = "reports"

urlpatterns = [
    path("reports/home/", cockpit_views.home, name="cockpit"),
    # The weekly review is a meeting; it lives here because it reads the night's KPIs.
    path("meetings/weekly/", weekly_views.weekly_review, name="weekly"),
    path("reports/", views.daily, name="daily"),
    path("reports/daily.xlsx", views.daily_xlsx, name="daily_xlsx"),
    path("reports/daily.csv", views.daily_csv, name="daily_csv"),
    path("reports/reps/<int:rep_id>/", views.rep_detail, name="rep"),
    path("reports/scorecard/", views.scorecard, name="scorecard"),
    path("reports/months/close/", closing_views.month_close, name="month_close"),
    path("reports/months/reopen/", closing_views.month_reopen, name="month_reopen"),
    path("reports/my-day/", views.my_day, name="my_day"),
    path("reports/my-team/", views.my_team, name="my_team"),
    path("reports/alerts/", views.alert_list, name="alerts"),
    path("reports/alerts/read/", views.alerts_read, name="alerts_read"),
    path("reports/robots/", robot_views.robot_list, name="robots"),
    path("reports/robots/<int:pk>/test/", robot_views.robot_test, name="robot_test"),
    path("reports/robots/<int:pk>/delete/", robot_views.robot_delete, name="robot_delete"),
]
