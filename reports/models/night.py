"""The report settings the night computes with, and its runs and shards."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reports.models.snapshots import ForecastMethod, TimeBasis
from salesops.formulas import Thresholds
from targets.models import Metric


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
