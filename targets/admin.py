from __future__ import annotations

from django.contrib import admin

from targets.models import DistributionProfile, Metric, RampCheckpoint, RampPlan, Target, TargetChange, TargetPeriod


@admin.register(Metric)
class MetricAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit", "actual_kind", "product_group", "position", "active"]
    list_filter = ["unit", "actual_kind", "active"]
    search_fields = ["code", "name"]


@admin.register(DistributionProfile)
class DistributionProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]


class TargetPeriodInline(admin.TabularInline):
    model = TargetPeriod
    extra = 0


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["__str__", "team", "rep", "metric", "fiscal_year", "annual_value", "status", "acknowledged_at"]
    list_filter = ["fiscal_year", "metric", "status"]
    search_fields = ["team__name", "rep__username"]
    raw_id_fields = ["parent", "rep", "approved_by", "created_by"]
    inlines = [TargetPeriodInline]


@admin.register(TargetPeriod)
class TargetPeriodAdmin(admin.ModelAdmin):
    list_display = ["target", "month", "value", "locked", "overridden"]
    raw_id_fields = ["target"]


@admin.register(TargetChange)
class TargetChangeAdmin(admin.ModelAdmin):
    list_display = ["target", "changed_by", "changed_at", "field", "month", "old_value", "new_value", "reason"]
    raw_id_fields = ["target"]


class RampCheckpointInline(admin.TabularInline):
    model = RampCheckpoint
    extra = 0


@admin.register(RampPlan)
class RampPlanAdmin(admin.ModelAdmin):
    list_display = ["rep", "team", "start_date"]
    inlines = [RampCheckpointInline]


@admin.register(RampCheckpoint)
class RampCheckpointAdmin(admin.ModelAdmin):
    list_display = ["plan", "day", "visits", "new_customers", "amount"]
