"""The roll-ups of the raw sale lines the night reads (per day, per month), the changes it has still to roll
up and the corrections held for closed months."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from org.models import Team


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
