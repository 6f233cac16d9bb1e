from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from visits.models import OrderLine, SaleRecord, Visit, VisitReview, VisitSettings, VisitSheet


@admin.register(SaleRecord)
class SaleRecordAdmin(admin.ModelAdmin):
    list_display = ["date", "rep", "team", "customer", "product", "quantity", "amount", "source", "external_id"]
    list_filter = ["source", "team"]
    date_hierarchy = "date"
    search_fields = ["external_id", "customer__name"]
    autocomplete_fields = ["rep", "team", "customer", "product"]


@admin.register(VisitSettings)
class VisitSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "submission_deadline", "frequency_a_days", "frequency_b_days", "frequency_c_days"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not VisitSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: VisitSettings | None = None) -> bool:
        return False


class VisitInline(admin.TabularInline):
    model = Visit
    extra = 0
    fields = ["customer", "planned", "planned_time", "purpose", "check_in_at", "check_out_at", "is_new_customer"]
    raw_id_fields = ["customer"]
    show_change_link = True


@admin.register(VisitSheet)
class VisitSheetAdmin(admin.ModelAdmin):
    list_display = ["date", "rep", "team", "status", "submitted_at", "is_late", "reopened"]
    list_filter = ["status", "is_late", "team"]
    date_hierarchy = "date"
    search_fields = ["rep__username", "rep__first_name", "rep__last_name"]
    raw_id_fields = ["rep", "team", "commented_by"]
    inlines = [VisitInline]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    raw_id_fields = ["product", "sale_record"]


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["sheet", "customer", "planned", "purpose", "check_in_at", "check_out_at"]
    list_filter = ["planned", "purpose", "is_new_customer", "is_new_outlet"]
    search_fields = ["customer__name", "sheet__rep__username"]
    raw_id_fields = ["sheet", "customer"]
    inlines = [OrderLineInline]


@admin.register(OrderLine)
class OrderLineAdmin(admin.ModelAdmin):
    list_display = ["visit", "product", "quantity", "amount", "sale_record"]
    raw_id_fields = ["visit", "product", "sale_record"]


@admin.register(VisitReview)
class VisitReviewAdmin(admin.ModelAdmin):
    list_display = ["visit", "by", "method", "result", "created_at", "resolved_at"]
    list_filter = ["method", "result"]
    raw_id_fields = ["visit", "by"]
