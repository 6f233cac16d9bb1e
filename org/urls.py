from __future__ import annotations

from django.urls import path

from org import views

app_name = "org"

urlpatterns = [
    path("org/teams/", views.team_list, name="teams"),
    path("customers/", views.customer_list, name="customers"),
    path("customers/new/", views.customer_create, name="customer_create"),
    path("customers/<int:pk>/", views.customer_edit, name="customer_edit"),
    path("products/", views.product_list, name="products"),
    path("calendar/", views.calendar_view, name="calendar"),
    path("calendar/day/", views.calendar_day_edit, name="calendar_day"),
    path("calendar/import/", views.calendar_import, name="calendar_import"),
    path("org/audit/", views.audit_log, name="audit"),
]
