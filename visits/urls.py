from __future__ import annotations

from django.urls import path

from visits import manager_views, views

app_name = "visits"

urlpatterns = [
    path("visits/today/", views.today, name="today"),
    path("visits/team/", manager_views.team_day, name="team_day"),
    path("visits/sheets/", views.sheet_list, name="sheets"),
    path("visits/sheets/<int:pk>/", views.sheet_detail, name="sheet"),
    path("visits/sheets/<int:pk>/plan/", views.visit_plan, name="plan"),
    path("visits/sheets/<int:pk>/unplanned/", views.visit_unplanned, name="unplanned"),
    path("visits/sheets/<int:pk>/copy/", views.sheet_copy, name="copy"),
    path("visits/sheets/<int:pk>/submit/", views.sheet_submit, name="submit"),
    path("visits/sheets/<int:pk>/comment/", manager_views.sheet_comment, name="comment"),
    path("visits/sheets/<int:pk>/route/", views.sheet_route, name="route"),
    path("visits/sheets/<int:pk>/map/", views.sheet_map, name="map"),
    path("visits/visit/<int:pk>/remove/", views.visit_remove, name="remove"),
    path("visits/visit/<int:pk>/check-in/", views.visit_check_in, name="check_in"),
    path("visits/visit/<int:pk>/check-out/", views.visit_check_out, name="check_out"),
    path("visits/visit/<int:pk>/record/", views.visit_record, name="record"),
    path("visits/visit/<int:pk>/order/", views.order_line_add, name="order"),
    path("visits/visit/<int:pk>/photos/<int:photo_pk>/", views.visit_photo, name="photo"),
    path("visits/visit/<int:pk>/review/", manager_views.visit_review, name="review"),
    path("visits/order-line/<int:pk>/remove/", views.order_line_remove, name="order_remove"),
    path("visits/to-verify/", manager_views.to_verify, name="to_verify"),
    path("visits/customers/<int:pk>/position/", manager_views.customer_position, name="position"),
    path("visits/discrepancies/", manager_views.discrepancies, name="discrepancies"),
    path("visits/discrepancies/<int:pk>/resolve/", manager_views.review_resolve, name="resolve"),
    path("visits/customers/", manager_views.customers, name="customers"),
    path("visits/import/", manager_views.sale_import, name="import"),
    path("visits/import/template.xlsx", manager_views.sale_import_template, name="import_template"),
]
