from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from org.models import AuditEvent, Customer, IdempotencyKey, Membership, Product, Team, WorkCalendarDay


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent", "depth"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "team", "role", "valid_from", "valid_to"]
    list_filter = ["role", "team"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "team__name"]
    autocomplete_fields = ["user", "team"]


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "kind", "tier", "team", "owner", "first_order_date"]
    list_filter = ["kind", "tier", "team"]
    search_fields = ["name", "code", "address"]
    autocomplete_fields = ["team", "owner"]
    # Set by the first order, corrected with a reason on the customer's page (org.services.customer_first_order_set).
    readonly_fields = ["first_order_date"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "group", "is_new_line", "unit_price", "active"]
    list_filter = ["group", "is_new_line", "active"]
    search_fields = ["code", "name"]


@admin.register(WorkCalendarDay)
class WorkCalendarDayAdmin(SimpleHistoryAdmin):
    list_display = ["date", "is_working", "kind", "note", "updated_by"]
    list_filter = ["is_working", "kind"]
    date_hierarchy = "date"
    readonly_fields = ["updated_by"]

    def save_model(self, request, obj, form, change) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_username", "action", "object_type", "object_id", "summary", "ip_address"]
    list_filter = ["action"]
    search_fields = ["actor_username", "summary", "object_id", "ip_address"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    list_display = ["user", "key", "endpoint", "response_status", "created_at"]
    search_fields = ["key", "endpoint"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at"]
