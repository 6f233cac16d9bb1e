from __future__ import annotations

from django.contrib import admin

from visits.models import SaleRecord


@admin.register(SaleRecord)
class SaleRecordAdmin(admin.ModelAdmin):
    list_display = ["date", "rep", "team", "customer", "product", "quantity", "amount", "source", "external_id"]
    list_filter = ["source", "team"]
    date_hierarchy = "date"
    search_fields = ["external_id", "customer__name"]
    autocomplete_fields = ["rep", "team", "customer", "product"]
