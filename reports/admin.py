from __future__ import annotations

from django.contrib import admin

from reports.models import (
    Alert,
    DailyActual,
    ExecutionKpiSnapshot,
    MonthlyActual,
    NightlyRun,
    NightlyShard,
    ProgressSnapshot,
    ReportSettings,
)


@admin.register(ProgressSnapshot)
class ProgressSnapshotAdmin(admin.ModelAdmin):
    list_display = ["as_of", "owner_key", "metric", "period_kind", "target", "actual", "gap_pp", "status", "rank"]
    list_filter = ["period_kind", "status", "metric"]
    date_hierarchy = "as_of"
    raw_id_fields = ["team", "rep"]


@admin.register(DailyActual)
class DailyActualAdmin(admin.ModelAdmin):
    list_display = ["day", "team", "rep", "family", "product_group", "value"]
    list_filter = ["family"]
    date_hierarchy = "day"
    raw_id_fields = ["team", "rep"]


@admin.register(MonthlyActual)
class MonthlyActualAdmin(admin.ModelAdmin):
    list_display = ["month", "team", "rep", "family", "product_group", "value"]
    list_filter = ["family"]
    date_hierarchy = "month"
    raw_id_fields = ["team", "rep"]


@admin.register(ExecutionKpiSnapshot)
class ExecutionKpiSnapshotAdmin(admin.ModelAdmin):
    list_display = ["as_of", "owner_key", "period_kind", "plan_completion_rate", "on_time_filing_rate", "quality_rate"]
    list_filter = ["period_kind"]
    date_hierarchy = "as_of"
    raw_id_fields = ["team", "rep"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["day", "user", "level", "message", "read_at"]
    list_filter = ["level"]
    raw_id_fields = ["user", "subject_rep"]


@admin.register(ReportSettings)
class ReportSettingsAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return not ReportSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class NightlyShardInline(admin.TabularInline):
    model = NightlyShard
    extra = 0


@admin.register(NightlyRun)
class NightlyRunAdmin(admin.ModelAdmin):
    list_display = ["as_of", "status", "shard_count", "started_at", "finished_at"]
    list_filter = ["status"]
    inlines = [NightlyShardInline]


admin.site.register(NightlyShard)
