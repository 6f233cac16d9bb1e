"""The rows of the night: the periods, the owners, one row per target and period (progress) and one per owner
and period (execution KPIs)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from org.models import Team
from salesops.formatting import display_name
from salesops.formulas import Status
from targets.models import Metric


class PeriodKind(models.TextChoices):
    DAY = "day", pgettext_lazy("period", "Day")
    WEEK = "week", pgettext_lazy("period", "Week")
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class ProgressStatus(models.TextChoices):
    AHEAD = Status.AHEAD, _("Ahead")
    WATCH = Status.WATCH, _("On watch")
    BEHIND = Status.BEHIND, _("Behind")
    CRITICAL = Status.CRITICAL, _("Critical")
    NO_TARGET = Status.NO_TARGET, _("No target")


class ForecastMethod(models.TextChoices):
    """Which forecast a page shows first and the status names: the snapshot column of each."""

    RUN_RATE = "forecast", _("Run rate")
    SEASONAL = "forecast_seasonal", _("Seasonal (by the plan)")
    LAST_YEAR = "forecast_last_year", _("Last year × growth")


class TimeBasis(models.TextChoices):
    WORKING_DAYS = "working_days", _("Working days")
    CALENDAR_DAYS = "calendar_days", _("Calendar days")


def owner_key(*, team_id: int | None = None, rep_id: int | None = None) -> str:
    """The one key of an owner: "rep:<id>" for a rep, "team:<id>" for a team."""
    return f"rep:{rep_id}" if rep_id else f"team:{team_id}"


class OwnedRow(models.Model):
    """A row of a team (rep empty) or of a rep (team = the rep's team, for scoping)."""

    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="+")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    owner_key = models.CharField(_("owner"), max_length=30, editable=False)

    class Meta:
        abstract = True

    @property
    def owner_name(self) -> str:
        if self.rep_id:
            return display_name(self.rep)
        return self.team.name


class ProgressSnapshot(OwnedRow):
    """Progress of one owner on one metric in one period as of a night: target vs actual vs time."""

    # A night writes ~34,000 rows, so every index costs the night. The foreign keys have none of their own:
    # the team's and the rep's are the first columns of ``progress_team_night`` and ``progress_rep_trend``
    # (which serve every read and a team's or user's deletion), and no read looks snapshots up by metric alone
    # (deleting a metric, which the app never does, scans the table).
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="+", db_index=False)
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    as_of = models.DateField(_("as of"))
    metric = models.ForeignKey(
        Metric, verbose_name=_("metric"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    target = models.DecimalField(_("target"), max_digits=16, decimal_places=2)
    actual = models.DecimalField(_("actual"), max_digits=16, decimal_places=2)
    achievement = models.DecimalField(_("achievement"), max_digits=12, decimal_places=6, null=True, blank=True)
    time_progress = models.DecimalField(_("time progress"), max_digits=8, decimal_places=6, null=True, blank=True)
    # The units of the time progress (working days by default, calendar days by the report settings), so a
    # manager can check it by hand: elapsed through the night / in the whole period.
    days_elapsed = models.PositiveIntegerField(_("days elapsed"), null=True, blank=True)
    days_total = models.PositiveIntegerField(_("days in the period"), null=True, blank=True)
    plan_progress = models.DecimalField(_("plan progress"), max_digits=12, decimal_places=6, null=True, blank=True)
    gap_pp = models.DecimalField(_("gap (pp)"), max_digits=10, decimal_places=2, null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ProgressStatus.choices)
    forecast = models.DecimalField(_("forecast"), max_digits=16, decimal_places=2, null=True, blank=True)
    # The two other forecasts of the night, kept so that once the period is over each method's error shows.
    forecast_seasonal = models.DecimalField(
        _("seasonal forecast"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    forecast_last_year = models.DecimalField(
        _("last-year forecast"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    required_daily_rate = models.DecimalField(
        _("required daily rate"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    # The numbers that were capped or left empty because they could not be stored as computed (a near-zero
    # target makes an achievement of millions of per cent): see reports.night.copy.RowFit.
    flags = ArrayField(models.CharField(max_length=40), verbose_name=_("flags"), default=list, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["-as_of", "metric__position", "owner_key"]
        verbose_name = _("progress snapshot")
        verbose_name_plural = _("progress snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["as_of", "owner_key", "metric", "period_kind", "period_start"], name="progress_snapshot_key"
            ),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="progress_period_span"),
        ]
        indexes = [
            models.Index(fields=["team", "as_of", "metric", "period_kind"], name="progress_team_night"),
            models.Index(fields=["rep", "metric", "period_kind", "as_of"], name="progress_rep_trend"),
        ]

    def __str__(self) -> str:
        return f"{self.as_of} {self.owner_key} {self.metric_id} {self.period_kind}"

    @property
    def gap_class(self) -> str:
        return f"gap-{self.status}" if self.status != Status.NO_TARGET else ""

    @property
    def achievement_capped(self) -> bool:
        """The achievement is shown at its cap (100,000 %): the target is (nearly) zero."""
        return "achievement" in self.flags


class ExecutionKpiSnapshot(OwnedRow):
    """How well an owner executes the process in a period as of a night (rates are 0–1, None = nothing to count)."""

    as_of = models.DateField(_("as of"))
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    plan_completion_rate = models.DecimalField(
        _("plan completion rate"), max_digits=8, decimal_places=6, null=True, blank=True
    )
    on_time_filing_rate = models.DecimalField(
        _("on-time filing rate"), max_digits=8, decimal_places=6, null=True, blank=True
    )
    quality_rate = models.DecimalField(_("quality rate"), max_digits=8, decimal_places=6, null=True, blank=True)
    median_resolution_hours = models.DecimalField(
        _("median problem resolution (h)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    action_timeliness = models.DecimalField(
        _("action timeliness"), max_digits=8, decimal_places=6, null=True, blank=True
    )
    attendance_rate = models.DecimalField(
        _("meeting attendance rate"), max_digits=8, decimal_places=6, null=True, blank=True
    )
    overdue_customers = models.PositiveIntegerField(_("overdue customers"), default=0)
    flags = ArrayField(models.CharField(max_length=40), verbose_name=_("flags"), default=list, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["-as_of", "owner_key"]
        verbose_name = _("execution KPI snapshot")
        verbose_name_plural = _("execution KPI snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["as_of", "owner_key", "period_kind", "period_start"], name="execution_kpi_key"
            )
        ]
        indexes = [models.Index(fields=["team", "as_of", "period_kind"], name="execution_kpi_team_night")]

    def __str__(self) -> str:
        return f"{self.as_of} {self.owner_key} {self.period_kind}"
