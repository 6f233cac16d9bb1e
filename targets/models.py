from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from org.models import Team
from salesops.formatting import display_name
from targets.breakdown import MONEY, QUARTERS, WHOLE

# The shipped metrics' names, kept here so the catalogue translates them.
SHIPPED_METRIC_NAMES = (
    gettext_noop("Sales amount"),
    gettext_noop("New-line sales amount"),
    gettext_noop("Established sales amount"),
    gettext_noop("New customers"),
    gettext_noop("New outlets"),
    gettext_noop("Visits"),
    gettext_noop("Even"),
    gettext_noop("By working days"),
    gettext_noop("Last year's actuals"),
)


class Metric(models.Model):
    """What a target counts: its unit, precision and how its actual is measured."""

    class Unit(models.TextChoices):
        MONEY = "money", _("¥")
        COUNT = "count", _("count")

    class ActualKind(models.TextChoices):
        SALES_AMOUNT = "sales_amount", _("Sales amount")
        NEW_LINE_AMOUNT = "new_line_amount", _("New-line sales amount")
        ESTABLISHED_AMOUNT = "established_amount", _("Established sales amount")
        NEW_CUSTOMERS = "new_customers", _("New customers")
        NEW_OUTLETS = "new_outlets", _("New outlets")
        VISITS = "visits", _("Visits")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=5, choices=Unit.choices, default=Unit.MONEY)
    actual_kind = models.CharField(_("counted as"), max_length=20, choices=ActualKind.choices)
    product_group = models.CharField(_("product group"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("metric")
        verbose_name_plural = _("metrics")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return gettext(self.name)

    @property
    def precision(self) -> Decimal:
        return MONEY if self.unit == self.Unit.MONEY else WHOLE

    @property
    def is_money(self) -> bool:
        return self.unit == self.Unit.MONEY


class DistributionProfile(models.Model):
    """Named monthly weights: even, by working days, seasonal percentages or last year's pattern."""

    class Kind(models.TextChoices):
        EVEN = "even", _("Even")
        WORKING_DAYS = "working_days", _("By working days")
        SEASONAL = "seasonal", _("Seasonal")
        LAST_YEAR = "last_year", _("Last year's actuals")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    weights = ArrayField(
        models.DecimalField(max_digits=7, decimal_places=4, validators=[MinValueValidator(0)]),
        verbose_name=_("monthly percentages"),
        size=12,
        default=list,
        blank=True,
    )

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("distribution profile")
        verbose_name_plural = _("distribution profiles")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return gettext(self.name)


class Target(models.Model):
    """An annual target of a team (rep empty) or of a rep (team = the rep's team) on a metric."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")

    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="targets")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        on_delete=models.PROTECT,
        related_name="targets",
        null=True,
        blank=True,
    )
    metric = models.ForeignKey(Metric, verbose_name=_("metric"), on_delete=models.PROTECT, related_name="targets")
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    annual_value = models.DecimalField(
        _("annual value"), max_digits=16, decimal_places=2, validators=[MinValueValidator(0)]
    )
    profile = models.ForeignKey(
        DistributionProfile,
        verbose_name=_("distribution profile"),
        on_delete=models.PROTECT,
        related_name="targets",
        null=True,
        blank=True,
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("allocated from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["fiscal_year", "metric__position", "team__path", "rep__username"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "metric", "fiscal_year"], condition=Q(rep__isnull=True), name="target_unique_team"
            ),
            models.UniqueConstraint(
                fields=["rep", "metric", "fiscal_year"], condition=Q(rep__isnull=False), name="target_unique_rep"
            ),
            models.CheckConstraint(condition=Q(annual_value__gte=0), name="target_annual_not_negative"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(approved_at__isnull=False), name="target_approved_has_time"
            ),
        ]
        indexes = [models.Index(fields=["fiscal_year", "metric", "team"], name="target_year_metric_team")]

    def __str__(self) -> str:
        return f"{self.owner_name} · {self.metric} · {self.fiscal_year}"

    @property
    def owner_name(self) -> str:
        if self.rep_id:
            return display_name(self.rep)
        return self.team.name

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


class TargetPeriod(models.Model):
    """One month of a target; quarters are sums of months."""

    target = models.ForeignKey(Target, verbose_name=_("target"), on_delete=models.CASCADE, related_name="periods")
    month = models.PositiveSmallIntegerField(_("month"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2, validators=[MinValueValidator(0)])
    locked = models.BooleanField(_("locked"), default=False)
    overridden = models.BooleanField(_("set by hand"), default=False)

    class Meta:
        ordering = ["target", "month"]
        verbose_name = _("target month")
        verbose_name_plural = _("target months")
        constraints = [
            models.UniqueConstraint(fields=["target", "month"], name="target_period_unique_month"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="target_period_month_range"),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_period_value_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.target} · {self.month}: {self.value}"

    @property
    def quarter(self) -> int:
        return next(q for q, months in QUARTERS.items() if self.month in months)


class TargetChange(models.Model):
    """One change of a target: who, when, what (annual, a month, profile, status), old, new and why."""

    target = models.ForeignKey(Target, verbose_name=_("target"), on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    field = models.CharField(_("field"), max_length=30)
    month = models.PositiveSmallIntegerField(_("month"), null=True, blank=True)
    old_value = models.CharField(_("old value"), max_length=100, blank=True)
    new_value = models.CharField(_("new value"), max_length=100, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("target change")
        verbose_name_plural = _("target changes")

    def __str__(self) -> str:
        return f"{self.target} · {self.field}: {self.old_value} → {self.new_value}"


class PendingChange(models.Model):
    """A change of an approved target by someone who may not approve it: it waits for the approver.

    Until it is approved the target keeps its approved values everywhere (reports, the rep's view, exports).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    target = models.ForeignKey(
        Target, verbose_name=_("target"), on_delete=models.CASCADE, related_name="pending_changes"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    reason = models.TextField(_("reason"), blank=True)
    old_annual = models.DecimalField(_("old annual value"), max_digits=16, decimal_places=2)
    new_annual = models.DecimalField(_("new annual value"), max_digits=16, decimal_places=2)
    old_months = ArrayField(models.DecimalField(max_digits=16, decimal_places=2), size=12)
    new_months = ArrayField(models.DecimalField(max_digits=16, decimal_places=2), size=12)
    new_overridden = ArrayField(models.BooleanField(), size=12)
    old_profile = models.ForeignKey(
        DistributionProfile, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    new_profile = models.ForeignKey(
        DistributionProfile, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("pending target change")
        verbose_name_plural = _("pending target changes")
        constraints = [
            models.UniqueConstraint(fields=["target"], condition=Q(status="pending"), name="pending_change_one_open")
        ]

    def __str__(self) -> str:
        return f"{self.target} · {self.old_annual} → {self.new_annual} ({self.status})"

    @property
    def changed_months(self) -> list[tuple[int, Decimal, Decimal]]:
        """(month, old, new) of the months this change alters."""
        return [
            (month, old, new)
            for month, (old, new) in enumerate(zip(self.old_months, self.new_months, strict=True), start=1)
            if old != new
        ]


class ClosedMonth(models.Model):
    """A month whose scores are frozen: its last night's snapshots are kept as they were shown.

    A director closes a month (or it closes itself some days after its end); no later night or backfill
    rewrites the frozen night until a director reopens the month with a reason.
    """

    month = models.DateField(_("month"), unique=True)  # its first day
    night = models.DateField(_("frozen night"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the month closed itself."),
    )
    closed_at = models.DateTimeField(_("closed at"))
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reopened by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    reopen_reason = models.TextField(_("reason for reopening"), blank=True)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("closed month")
        verbose_name_plural = _("closed months")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def is_closed(self) -> bool:
        return self.reopened_at is None


class NightRecompute(models.Model):
    """A past night the next night computes again, because a director changed a closed period with a reason."""

    night = models.DateField(_("night"))
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the night asked for it itself: actuals of the period changed later."),
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["night", "id"]
        verbose_name = _("night to recompute")
        verbose_name_plural = _("nights to recompute")

    def __str__(self) -> str:
        return f"{self.night} ({self.reason})"


class RampPlan(models.Model):
    """A new rep's 30/60/90-day targets, counted from the start of their membership."""

    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("rep"), on_delete=models.CASCADE, related_name="ramp_plans"
    )
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="ramp_plans")
    start_date = models.DateField(_("start date"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("ramp plan")
        verbose_name_plural = _("ramp plans")
        constraints = [models.UniqueConstraint(fields=["rep", "start_date"], name="ramp_plan_unique_start")]

    def __str__(self) -> str:
        return f"{self.rep} · {self.start_date}"


class RampCheckpoint(models.Model):
    """What a new rep should reach by day 30, 60 or 90 (cumulative from the start date)."""

    plan = models.ForeignKey(
        RampPlan, verbose_name=_("ramp plan"), on_delete=models.CASCADE, related_name="checkpoints"
    )
    day = models.PositiveSmallIntegerField(
        pgettext_lazy("ramp checkpoint", "day"), choices=[(30, "30"), (60, "60"), (90, "90")]
    )
    visits = models.PositiveIntegerField(_("visits"), default=0)
    new_customers = models.PositiveIntegerField(_("new customers"), default=0)
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, default=Decimal(0), validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ["plan", "day"]
        verbose_name = _("ramp checkpoint")
        verbose_name_plural = _("ramp checkpoints")
        constraints = [
            models.UniqueConstraint(fields=["plan", "day"], name="ramp_checkpoint_unique_day"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="ramp_checkpoint_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.day}"
