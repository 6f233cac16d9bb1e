from __future__ import annotations

from django.contrib import admin
from django.db import transaction
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from reports import scorecards, selectors
from reports.models import (
    Alert,
    DailyActual,
    ExecutionKpiSnapshot,
    HeldCorrection,
    MonthlyActual,
    NightlyRun,
    NightlyShard,
    ProgressSnapshot,
    ReportSettings,
)
from reports.tasks import nightly_progress_task


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
    readonly_fields = ["forecast_evidence"]

    @admin.display(description=_("forecast error in ended months"))
    def forecast_evidence(self, obj: ReportSettings) -> str:
        """Each method's mean absolute percentage error over the top units' ended months: the evidence for
        the choice of the default forecast."""
        night = selectors.latest_night() or timezone.localdate()
        rows = [
            (error.label, "—" if error.mape is None else f"{error.mape:.1f} %", error.count)
            for error in scorecards.company_forecast_errors(as_of=night)
        ]
        return format_html_join(
            mark_safe("<br>"),
            "{}: {} ({})",
            (
                (label, mape, ngettext("%(n)d night", "%(n)d nights", count) % {"n": count})
                for label, mape, count in rows
            ),
        )

    def has_add_permission(self, request) -> bool:
        return not ReportSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class NightlyShardInline(admin.TabularInline):
    model = NightlyShard
    extra = 0


@admin.register(NightlyRun)
class NightlyRunAdmin(admin.ModelAdmin):
    list_display = ["as_of", "status", "shard_count", "started_at", "finished_at", "failed_at"]
    list_filter = ["status"]
    readonly_fields = ["error", "problems"]
    inlines = [NightlyShardInline]
    actions = ["compute_again"]

    @admin.action(description=_("Compute the selected nights again"))
    def compute_again(self, request, queryset) -> None:
        nights = sorted(queryset.values_list("as_of", flat=True))
        for night in nights:
            transaction.on_commit(lambda night=night: nightly_progress_task.delay(night.isoformat()))
        message = ngettext(
            "%(count)s night will be computed again.", "%(count)s nights will be computed again.", len(nights)
        )
        self.message_user(request, message % {"count": len(nights)})


admin.site.register(NightlyShard)


@admin.register(HeldCorrection)
class HeldCorrectionAdmin(admin.ModelAdmin):
    """The corrections of closed months waiting for a director's reopening (read only: they follow the data)."""

    list_display = ["month", "day", "team", "recorded_at", "released_at"]
    list_filter = ["month", "released_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
