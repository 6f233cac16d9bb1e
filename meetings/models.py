"""The three daily meetings of a team, the reps' check-ins, problems, corrective actions and coaching notes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from org.models import Team


class Slot(models.TextChoices):
    MORNING = "morning", _("Morning meeting")
    NOON = "noon", _("Noon meeting")
    EVENING = "evening", _("Evening meeting")


DEFAULT_TIMES = {
    Slot.MORNING: dt.time(8, 30),
    Slot.NOON: dt.time(12, 30),
    Slot.EVENING: dt.time(18, 0),
}
DEFAULT_GRACE_MINUTES = 5
DEFAULT_CLOSE_AFTER_MINUTES = 60


# The content each slot asks for.
SLOT_FIELDS: dict[str, tuple[str, ...]] = {
    Slot.MORNING: ("planned_visits", "planned_amount", "key_customers", "help_needed"),
    Slot.NOON: ("progress_visits", "progress_amount", "blockers"),
    Slot.EVENING: ("results_visits", "results_amount", "went_wrong", "correction_tomorrow"),
}


class Attendance(models.TextChoices):
    PRESENT = "present", pgettext_lazy("attendance", "Present")
    LATE = "late", pgettext_lazy("attendance", "Late")
    ABSENT = "absent", pgettext_lazy("attendance", "Absent")
    EXCUSED = "excused", pgettext_lazy("attendance", "Excused")


class MeetingSchedule(models.Model):
    """When a team's meeting of a slot starts, how late one may arrive, and when it closes."""

    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="meeting_schedules")
    slot = models.CharField(_("meeting"), max_length=10, choices=Slot.choices)
    time = models.TimeField(_("start time"))
    grace_minutes = models.PositiveSmallIntegerField(_("grace period (minutes)"), default=DEFAULT_GRACE_MINUTES)
    close_after_minutes = models.PositiveSmallIntegerField(
        _("closes after (minutes)"), default=DEFAULT_CLOSE_AFTER_MINUTES, validators=[MinValueValidator(1)]
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["team", "time"]
        verbose_name = _("meeting schedule")
        verbose_name_plural = _("meeting schedules")
        constraints = [
            models.UniqueConstraint(fields=["team", "slot"], name="meeting_schedule_one_per_slot"),
            models.CheckConstraint(
                condition=Q(close_after_minutes__gt=models.F("grace_minutes")),
                name="meeting_schedule_closes_after_grace",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.get_slot_display()} {self.time:%H:%M}"


class Meeting(models.Model):
    """One meeting of a team on a working day; generated from the team's schedule."""

    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="meetings")
    date = models.DateField(_("date"))
    slot = models.CharField(_("meeting"), max_length=10, choices=Slot.choices)
    scheduled_at = models.DateTimeField(_("starts at"))
    late_after = models.DateTimeField(_("late after"))
    closes_at = models.DateTimeField(_("closes at"))

    class Meta:
        ordering = ["date", "scheduled_at", "team__path"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.UniqueConstraint(fields=["team", "date", "slot"], name="meeting_one_per_team_day_slot"),
            models.CheckConstraint(
                condition=Q(late_after__gte=models.F("scheduled_at")) & Q(closes_at__gte=models.F("late_after")),
                name="meeting_times_in_order",
            ),
        ]
        indexes = [models.Index(fields=["date", "team"], name="meeting_date_team")]

    def __str__(self) -> str:
        return f"{self.team} · {self.date} · {self.get_slot_display()}"

    def is_closed(self, now: dt.datetime) -> bool:
        return now >= self.closes_at

    @property
    def opens_at(self) -> dt.datetime:
        """The first moment a rep may check in (the company's lead time before the start)."""
        return self.scheduled_at - dt.timedelta(minutes=settings.MEETING_CHECKIN_OPENS_MINUTES)

    def is_open_yet(self, now: dt.datetime) -> bool:
        return now >= self.opens_at


class CheckIn(models.Model):
    """A rep's check-in to a meeting with that slot's content; one row per rep and meeting."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="checkins")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("rep"), on_delete=models.CASCADE, related_name="meeting_checkins"
    )
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    # Blank until the rep checks in or the manager excuses them; "absent" is derived once the meeting closes.
    attendance = models.CharField(_("attendance"), max_length=10, choices=Attendance.choices, blank=True)
    excuse_reason = models.CharField(_("excuse reason"), max_length=300, blank=True)
    excused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("excused by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    late_allowed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("late check-in allowed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Morning: today's goals.
    planned_visits = models.PositiveIntegerField(_("planned visits"), null=True, blank=True)
    planned_amount = models.DecimalField(
        _("planned order amount"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    key_customers = models.TextField(_("key customers"), blank=True)
    help_needed = models.TextField(_("help needed"), blank=True)
    # Noon: progress so far.
    progress_visits = models.PositiveIntegerField(_("visits so far"), null=True, blank=True)
    progress_amount = models.DecimalField(
        _("order amount so far"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    blockers = models.TextField(_("blockers"), blank=True)
    # Evening: results and tomorrow's correction.
    results_visits = models.PositiveIntegerField(_("visits done"), null=True, blank=True)
    results_amount = models.DecimalField(
        _("order amount"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    went_wrong = models.TextField(_("what went wrong"), blank=True)
    correction_tomorrow = models.TextField(_("correction for tomorrow"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["meeting", "checked_in_at"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "rep"], name="checkin_one_per_rep_and_meeting"),
            models.CheckConstraint(
                condition=~Q(attendance="excused") | ~Q(excuse_reason=""), name="checkin_excuse_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(planned_amount__isnull=True) | Q(planned_amount__gte=0), name="checkin_planned_amount_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(progress_amount__isnull=True) | Q(progress_amount__gte=0),
                name="checkin_progress_amount_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(results_amount__isnull=True) | Q(results_amount__gte=0), name="checkin_results_amount_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.rep}"


class ProblemQuerySet(models.QuerySet):
    def open(self) -> ProblemQuerySet:
        return self.filter(resolved_at__isnull=True)


class Problem(models.Model):
    """A deviation found in a meeting, a visit review or on a dashboard, with its owner and resolution."""

    class Source(models.TextChoices):
        CHECKIN = "checkin", _("Check-in")
        REVIEW = "review", _("Visit review")
        DASHBOARD = "dashboard", _("Dashboard")

    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="problems")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("raised by"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.DASHBOARD)
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), null=True, blank=True, on_delete=models.SET_NULL, related_name="problems"
    )
    checkin = models.ForeignKey(
        CheckIn, verbose_name=_("check-in"), null=True, blank=True, on_delete=models.SET_NULL, related_name="problems"
    )
    description = models.TextField(_("description"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="owned_problems"
    )
    due_date = models.DateField(_("due date"))
    created_at = models.DateTimeField(_("raised at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution = models.TextField(_("resolution"), blank=True)

    objects = ProblemQuerySet.as_manager()

    class Meta:
        ordering = [models.F("resolved_at").asc(nulls_first=True), "-created_at"]
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=models.F("created_at")),
                name="problem_resolved_after_raised",
            ),
        ]
        indexes = [models.Index(fields=["team", "resolved_at"], name="problem_team_open")]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def resolution_time(self) -> dt.timedelta | None:
        return self.resolved_at - self.created_at if self.resolved_at else None


class CorrectiveAction(models.Model):
    """What someone does about a problem: assigned, started, done."""

    problem = models.ForeignKey(Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="actions")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="corrective_actions"
    )
    description = models.TextField(pgettext_lazy("corrective action", "action"))
    assigned_at = models.DateTimeField(_("assigned at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")

    def __str__(self) -> str:
        return self.description[:60]


class CoachingNote(models.Model):
    """A manager's one-on-one coaching note for a rep."""

    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="coaching_notes")
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("manager"), on_delete=models.PROTECT, related_name="+"
    )
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("rep"), on_delete=models.CASCADE, related_name="coaching_notes"
    )
    topic = models.CharField(_("topic"), max_length=200)
    agreed_actions = models.TextField(_("agreed actions"))
    follow_up_date = models.DateField(_("follow-up date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("coaching note")
        verbose_name_plural = _("coaching notes")

    def __str__(self) -> str:
        return f"{self.rep} · {self.topic}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, pgettext_lazy("weekday", "Monday")
    TUESDAY = 1, pgettext_lazy("weekday", "Tuesday")
    WEDNESDAY = 2, pgettext_lazy("weekday", "Wednesday")
    THURSDAY = 3, pgettext_lazy("weekday", "Thursday")
    FRIDAY = 4, pgettext_lazy("weekday", "Friday")
    SATURDAY = 5, pgettext_lazy("weekday", "Saturday")
    SUNDAY = 6, pgettext_lazy("weekday", "Sunday")


class WeeklyReviewSchedule(models.Model):
    """When a team holds its weekly review meeting (周会 / 执行力评估会): a team setting."""

    team = models.OneToOneField(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="weekly_review_schedule"
    )
    weekday = models.PositiveSmallIntegerField(_("day of the week"), choices=Weekday.choices, default=Weekday.FRIDAY)
    time = models.TimeField(_("start time"), default=dt.time(16, 0))

    class Meta:
        verbose_name = _("weekly review time")
        verbose_name_plural = _("weekly review times")

    def __str__(self) -> str:
        return f"{self.team} · {self.get_weekday_display()} {self.time:%H:%M}"


class WeeklyReview(models.Model):
    """The minutes of one week's review meeting of a team: the root causes named and the corrections agreed."""

    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="weekly_reviews")
    week_start = models.DateField(_("week of"))  # its Monday
    root_causes = models.TextField(_("root causes"), blank=True)
    corrections = models.TextField(_("corrections agreed"), blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("saved by"), on_delete=models.PROTECT, related_name="+"
    )
    saved_at = models.DateTimeField(_("saved at"))

    class Meta:
        ordering = ["-week_start"]
        verbose_name = _("weekly review")
        verbose_name_plural = _("weekly reviews")
        constraints = [models.UniqueConstraint(fields=["team", "week_start"], name="weekly_review_once_a_week")]

    def __str__(self) -> str:
        return f"{self.team} · {self.week_start}"
