"""What the nightly job writes (snapshots, KPIs, alerts) and what it reads back (daily roll-up, settings)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from org.models import Team
from salesops.formatting import display_name
from salesops.formulas import Status, Thresholds
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


class DailyActual(models.Model):
    """One day's actual of a rep (or a team's unowned customers) in one metric family: the nightly roll-up."""

    class Family(models.TextChoices):
        NEW_LINE_AMOUNT = "new_line_amount", _("New-line sales amount")
        ESTABLISHED_AMOUNT = "established_amount", _("Established sales amount")
        NEW_CUSTOMERS = "new_customers", _("New customers")
        NEW_OUTLETS = "new_outlets", _("New outlets")
        VISITS = "visits", _("Visits")
        # KPI counts: planned visits and those of them checked out (plan completion).
        PLANNED_VISITS = "planned_visits", _("Planned visits")
        PLANNED_VISITS_DONE = "planned_visits_done", _("Planned visits done")
        SHEETS_ON_TIME = "sheets_on_time", _("Sheets filed on time")  # the on-time filing KPI's count

    day = models.DateField(_("day"))
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="+")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    family = models.CharField(_("family"), max_length=20, choices=Family.choices)
    product_group = models.CharField(_("product group"), max_length=100, blank=True)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["day", "team", "rep"]
        verbose_name = _("daily actual")
        verbose_name_plural = _("daily actuals")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "team", "rep", "family", "product_group"],
                name="daily_actual_key",
                nulls_distinct=False,
            )
        ]
        indexes = [
            models.Index(fields=["team", "day"], name="daily_actual_team_day"),
            models.Index(fields=["rep", "day"], name="daily_actual_rep_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.rep_id or self.team_id} {self.family} {self.value}"


class MonthlyActual(models.Model):
    """The daily roll-up summed by month, so a year-to-date sum reads the closed months here and only the
    current month's days from the daily roll-up: its cost follows the month, not the year."""

    month = models.DateField(_("month"))  # the month's first day
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="+")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    family = models.CharField(_("family"), max_length=20, choices=DailyActual.Family.choices)
    product_group = models.CharField(_("product group"), max_length=100, blank=True)
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2)

    class Meta:
        ordering = ["month", "team", "rep"]
        verbose_name = _("monthly actual")
        verbose_name_plural = _("monthly actuals")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "team", "rep", "family", "product_group"],
                name="monthly_actual_key",
                nulls_distinct=False,
            )
        ]
        indexes = [
            models.Index(fields=["team", "month"], name="monthly_actual_team_month"),
            models.Index(fields=["rep", "month"], name="monthly_actual_rep_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.rep_id or self.team_id} {self.family} {self.value}"


class ActualChange(models.Model):
    """A day of a team whose raw actuals changed since the night last rolled it up: a sale line created, changed
    (amount, date, rep, product, customer) or deleted, a visit or sheet, a customer's first order, a product's
    line. Written by database triggers (migration 0010), so every path is seen (import, API, page, admin, a bulk
    update); the next night rolls those days up again, then deletes the rows."""

    # No foreign key constraint: a trigger writes the row while the team itself may be being deleted.
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    day = models.DateField(_("day"))
    recorded_at = models.DateTimeField(_("recorded at"), db_default=Now())

    class Meta:
        ordering = ["day", "team"]
        verbose_name = _("changed day of actuals")
        verbose_name_plural = _("changed days of actuals")
        constraints = [models.UniqueConstraint(fields=["team", "day"], name="actual_change_key")]

    def __str__(self) -> str:
        return f"{self.day} {self.team_id}"


class HeldCorrection(models.Model):
    """A change of the actuals of a closed month: the month's frozen scores keep what they showed, and the
    correction waits here, listed for the directors, until one of them reopens the month (its night is then
    computed again and the correction released)."""

    night = models.DateField(_("frozen night"))
    month = models.DateField(_("month"))  # its first day
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    released_at = models.DateTimeField(_("counted after reopening at"), null=True, blank=True)

    class Meta:
        ordering = ["month", "day", "team"]
        verbose_name = _("held correction")
        verbose_name_plural = _("held corrections")
        constraints = [
            models.UniqueConstraint(
                fields=["night", "team", "day"], condition=Q(released_at__isnull=True), name="held_correction_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.day} {self.team_id}"


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


class Alert(models.Model):
    """An in-app notification: one per user, cause and day."""

    class Level(models.TextChoices):
        INFO = "info", _("Info")
        WARNING = "warning", _("Warning")
        DANGER = "danger", _("Critical")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="report_alerts"
    )
    cause = models.CharField(_("cause"), max_length=100)
    day = models.DateField(_("day"))
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.WARNING)
    message = models.CharField(_("message"), max_length=300)
    # What the message is built from, so it is shown in the reader's language.
    params = models.JSONField(_("details"), default=dict, blank=True)
    subject_rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("about"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # Set once the period the alert is about has ended: kept, but out of the list of current alerts.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-day", "-created_at"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [models.UniqueConstraint(fields=["user", "cause", "day"], name="alert_one_per_cause_day")]
        indexes = [models.Index(fields=["user", "read_at"], name="alert_user_unread")]

    def __str__(self) -> str:
        return self.message

    @property
    def kind(self) -> str:
        return self.cause.split(":", 1)[0]

    @property
    def text(self) -> str:
        kind = self.kind
        if kind.startswith("escalation-"):
            from reports.escalation import escalation_text  # here: reports.escalation imports these models

            return escalation_text(self)
        if kind == "missing-sheet":
            return _("%(rep)s has not submitted the visit sheet of %(day)s.") % {
                "rep": self.params.get("rep", ""),
                "day": self.day,
            }
        if kind == "progress":
            return _("%(rep)s is %(status)s on %(metric)s this month: gap %(gap)s pp.") % {
                "rep": self.params.get("rep", ""),
                "status": ProgressStatus(self.params.get("status", Status.BEHIND)).label,
                "metric": _(self.params.get("metric", "")),
                "gap": self.params.get("gap", ""),
            }
        if kind == "pending-change":
            return _(
                "%(by)s changed the approved target of %(owner)s (%(metric)s) from %(old)s to %(new)s; "
                "it waits for your approval."
            ) % {
                "by": self.params.get("by", ""),
                "owner": self.params.get("owner", ""),
                "metric": _(self.params.get("metric", "")),
                "old": self.params.get("old", ""),
                "new": self.params.get("new", ""),
            }
        if kind == "held-correction":
            return _(
                "Sales or visits counted in %(month)s, a closed month, changed after it was closed (%(days)s days "
                "of a team). Its scores stay as they were shown until you reopen the month; the current periods "
                "already count the change."
            ) % {"month": self.params.get("month", ""), "days": self.params.get("days", "")}
        if kind == "night-failed":
            return _(
                "The figures of the night of %(night)s could not be computed (%(error)s). The reports show the "
                "last complete night until it is computed again."
            ) % {"night": self.params.get("night", ""), "error": self.params.get("error", "")}
        if kind == "change-decided":
            text = (
                _("%(by)s approved your change of the target of %(owner)s (%(metric)s).")
                if self.params.get("status") == "approved"
                else _("%(by)s rejected your change of the target of %(owner)s (%(metric)s).")
            )
            return text % {
                "by": self.params.get("by", ""),
                "owner": self.params.get("owner", ""),
                "metric": _(self.params.get("metric", "")),
            }
        return self.message


class ReportSettings(models.Model):
    """The company's report rules: one row, edited by a director in the admin."""

    watch_threshold_pp = models.DecimalField(
        _("on watch from (pp)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(-5),
        help_text=_("A gap at or above this (and below 0) is 'on watch'."),
        validators=[MaxValueValidator(0)],
    )
    behind_threshold_pp = models.DecimalField(
        _("behind from (pp)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(-15),
        help_text=_("A gap at or above this (and below the watch threshold) is 'behind'; lower is critical."),
        validators=[MaxValueValidator(0)],
    )
    time_basis = models.CharField(
        _("time progress counts"), max_length=15, choices=TimeBasis.choices, default=TimeBasis.WORKING_DAYS
    )
    forecast_method = models.CharField(
        _("default forecast"),
        max_length=20,
        choices=ForecastMethod.choices,
        default=ForecastMethod.RUN_RATE,
        help_text=_("The forecast the reports lead with; the drill-down shows each method's error over closed months."),
    )
    weight_achievement = models.PositiveSmallIntegerField(_("weight: achievement"), default=60)
    weight_plan_completion = models.PositiveSmallIntegerField(_("weight: plan completion"), default=10)
    weight_on_time_filing = models.PositiveSmallIntegerField(_("weight: on-time filing"), default=10)
    weight_quality = models.PositiveSmallIntegerField(_("weight: quality"), default=10)
    weight_attendance = models.PositiveSmallIntegerField(_("weight: meeting attendance"), default=10)
    email_alerts = models.BooleanField(_("also send alerts by e-mail"), default=False)
    escalate_critical_days = models.PositiveSmallIntegerField(
        _("escalate a rep critical for (working days)"),
        default=5,
        help_text=_("A rep critical on a metric this many working days in a row is escalated to the manager above."),
    )
    escalate_missing_sheet_days = models.PositiveSmallIntegerField(
        _("escalate a sheet missing for (working days)"),
        default=3,
        help_text=_("A rep without a filed visit sheet this many working days in a row is escalated."),
    )
    escalate_problem_overdue_days = models.PositiveSmallIntegerField(
        _("escalate a problem overdue by (days)"),
        default=0,
        help_text=_("An open problem this many days past its due date is escalated (0: the day after it is due)."),
    )
    scorecard_metric = models.ForeignKey(
        Metric,
        verbose_name=_("scorecard metric"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The metric whose achievement counts in the scorecard; the first metric when empty."),
    )

    class Meta:
        verbose_name = _("report settings")
        verbose_name_plural = _("report settings")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="report_settings_singleton"),
            models.CheckConstraint(
                condition=Q(behind_threshold_pp__lte=models.F("watch_threshold_pp")),
                name="report_settings_thresholds_ordered",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Report settings"))

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> ReportSettings:
        row, _created = cls.objects.get_or_create(pk=1)
        return row

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(watch=self.watch_threshold_pp, behind=self.behind_threshold_pp)

    @property
    def weights(self) -> dict[str, int]:
        return {
            "achievement": self.weight_achievement,
            "plan_completion_rate": self.weight_plan_completion,
            "on_time_filing_rate": self.weight_on_time_filing,
            "quality_rate": self.weight_quality,
            "attendance_rate": self.weight_attendance,
        }


class NightlyRun(models.Model):
    """One night's computation; dashboards read only nights whose run is finished."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", pgettext_lazy("nightly run", "Failed")

    as_of = models.DateField(_("as of"), unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    shard_count = models.PositiveIntegerField(_("shards"), default=0)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    # Targets the final step skipped because their numbers could not be computed: [{"target", "error"}].
    problems = models.JSONField(_("problems"), default=list, blank=True)

    class Meta:
        ordering = ["-as_of"]
        verbose_name = _("nightly run")
        verbose_name_plural = _("nightly runs")

    def __str__(self) -> str:
        return f"{self.as_of} {self.status}"


class NightlyShard(models.Model):
    """A shard (a set of leaf teams) of a night that has been computed."""

    run = models.ForeignKey(NightlyRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="shards")
    key = models.CharField(_("shard"), max_length=200)
    finished_at = models.DateTimeField(_("finished at"))
    worker = models.CharField(_("worker"), max_length=200, blank=True)  # the Celery node, empty in-process
    # Targets the shard skipped because their numbers could not be computed: [{"target", "error"}].
    problems = models.JSONField(_("problems"), default=list, blank=True)

    class Meta:
        verbose_name = _("nightly shard")
        verbose_name_plural = _("nightly shards")
        constraints = [models.UniqueConstraint(fields=["run", "key"], name="nightly_shard_key")]

    def __str__(self) -> str:
        return f"{self.run} {self.key}"


class Robot(models.Model):
    """A group chat's robot (企业微信 / 钉钉 / 飞书) that a unit's daily report and meeting reminders are posted to."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("WeCom group robot")
        DINGTALK = "dingtalk", _("DingTalk custom robot")
        FEISHU = "feishu", _("Feishu custom bot")

    team = models.ForeignKey(
        Team, verbose_name=pgettext_lazy("org unit", "unit"), on_delete=models.CASCADE, related_name="robots"
    )
    kind = models.CharField(_("platform"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    webhook_url = models.URLField(_("webhook address"), max_length=500)
    # Shown once, when typed in: pages and the admin never display it again.
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)
    last_sent_at = models.DateTimeField(_("last sent at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)

    class Meta:
        ordering = ["team__path", "name"]
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class RobotMessage(models.Model):
    """One message for a robot, cut into the parts its platform takes; sent once per (robot, kind, key)."""

    class Kind(models.TextChoices):
        DAILY_REPORT = "daily", _("Daily report")
        MEETING_REMINDER = "meeting", _("Meeting reminder")
        TEST = "test", _("Test message")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    robot = models.ForeignKey(Robot, verbose_name=_("robot"), on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    key = models.CharField(_("key"), max_length=60)  # the night's date, the meeting, …
    title = models.CharField(_("title"), max_length=200)
    parts = models.JSONField(_("parts"), default=list)
    sent_parts = models.PositiveIntegerField(_("parts sent"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("robot message")
        verbose_name_plural = _("robot messages")
        constraints = [models.UniqueConstraint(fields=["robot", "kind", "key"], name="robot_message_once")]

    def __str__(self) -> str:
        return f"{self.robot} {self.kind} {self.key}"
