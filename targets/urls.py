from __future__ import annotations

from django.urls import path

from targets import change_views, excel_views, views

app_name = "targets"

urlpatterns = [
    path("targets/", views.grid, name="grid"),
    path("targets/cell/", views.cell, name="cell"),
    path("targets/mine/", views.mine, name="mine"),
    path("targets/export/", excel_views.export, name="export"),
    path("targets/import/", excel_views.import_file, name="import"),
    path("targets/import/apply/", excel_views.import_apply, name="import_apply"),
    path("targets/<int:pk>/", views.detail, name="detail"),
    path("targets/<int:pk>/profile/", views.profile, name="profile"),
    path("targets/<int:pk>/allocate/", views.allocate, name="allocate"),
    path("targets/<int:pk>/approve/", views.approve, name="approve"),
    path("targets/<int:pk>/approve-allocated/", views.approve_children, name="approve_children"),
    path("targets/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("targets/<int:pk>/lock/", views.lock, name="lock"),
    path("targets/<int:pk>/reopen/", change_views.reopen, name="reopen"),
    path("targets/pending/", change_views.pending_list, name="pending"),
    path("targets/pending/<int:pk>/approve/", change_views.pending_approve, name="pending_approve"),
    path("targets/pending/<int:pk>/reject/", change_views.pending_reject, name="pending_reject"),
]
