"""Reads of the meetings app shared by pages, API and jobs; every list goes through org.scoping."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import F, Max, QuerySet, Sum
from django.utils import timezone

from meetings.models import (
    SLOT_FIELDS,
    Attendance,
    CheckIn,
    CoachingNote,
    CorrectiveAction,
    Meeting,
    MeetingSchedule,
    Problem,
    Slot,
)
from org.calendar import working_dates
from org.models import Membership, Role
from org.scoping import scope_for, scoped
from salesops import formulas
from salesops.formatting import sorted_by_name
from targets.models import Metric, Target, TargetPeriod
from visits import actuals
from visits.models import SaleRecord
from visits.selectors import DaySummary, day_summaries_for_reps, day_summary_for_reps

User = get_user_model()
ZERO = Decimal("0.00")
# A reported order amount further than this from the recorded orders is flagged on the evening dashboard.
REPORT_TOLERANCE = Decimal("0.10")


# --- Lists ------------------------------------------------------------------------------------------------


def meeting_list_for(*, user: AbstractBaseUser | AnonymousUser, day: dt.date | None = None) -> QuerySet[Meeting]:
    """Meetings the user may see (a rep: their own teams'), optionally of one day."""
    scope = scope_for(user)
    qs = Meeting.objects.select_related("team")
    if scope.is_rep:
        qs = qs.filter(team_id__in=scope.own_team_ids)
    else:
        qs = scoped(qs, user, team_field="team", owner_field=None)
    return qs.filter(date=day) if day else qs


def schedule_list_for(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[MeetingSchedule]:
    """Schedules of the teams the user may read."""
    return scoped(MeetingSchedule.objects.select_related("team"), user, team_field="team", owner_field=None)


def checkin_list_for(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[CheckIn]:
    """Check-ins the user may see: a rep their own, a manager their teams'."""
    return scoped(
        CheckIn.objects.select_related("meeting", "meeting__team", "rep"),
        user,
        team_field="meeting__team",
        owner_field="rep",
    )


def problem_list_for(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Problem]:
    """Problems the user may see (a rep: those they own or raised): open ones first, the longest waiting on
    top, then resolved ones, latest first."""
    base = Problem.objects.all()
    qs = scoped(base, user, team_field="team", owner_field="owner") | scoped(
        base, user, team_field="team", owner_field="raised_by"
    )
    return qs.select_related("team", "owner", "raised_by", "resolved_by").order_by(
        F("resolved_at").desc(nulls_first=True), "created_at"
    )


def corrective_action_list_for(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[CorrectiveAction]:
    """Actions the user may see: a rep those they own or on problems they own."""
    base = CorrectiveAction.objects.all()
    qs = scoped(base, user, team_field="problem__team", owner_field="owner") | scoped(
        base, user, team_field="problem__team", owner_field="problem__owner"
    )
    return qs.select_related("problem", "owner")


def coaching_note_list_for(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[CoachingNote]:
    """Coaching notes: a rep sees their own, a manager their teams'."""
    return scoped(
        CoachingNote.objects.select_related("rep", "manager", "team"), user, team_field="team", owner_field="rep"
    )


def team_reps(*, team_id: int, day: dt.date) -> list:
    """The team's reps on ``day``, by name; one query."""
    rep_ids = Membership.objects.active_on(day).filter(team_id=team_id, role=Role.REP).values("user_id")
    return sorted_by_name(User.objects.filter(id__in=rep_ids))


# --- Attendance -------------------------------------------------------------------------------------------


def attendance_of(*, meeting: Meeting, checkin: CheckIn | None, now: dt.datetime) -> str:
    """present / late / excused as recorded; absent once the meeting closed without a check-in; "" before."""
    if checkin is not None and checkin.attendance:
        return checkin.attendance
    return Attendance.ABSENT if meeting.is_closed(now) else ""


# --- Visit sheets and sales -------------------------------------------------------------------------------


def visit_day_summaries(*, rep_ids: list[int], day: dt.date) -> dict[int, DaySummary]:
    """Each rep's visit sheet summary of ``day`` (reps without a sheet get zeros); read from the visits app."""
    return day_summary_for_reps(rep_ids=rep_ids, day=day)


@dataclass(frozen=True)
class MonthToDate:
    amount: Decimal
    time_progress: Decimal  # working days elapsed / working days in the month, 0..1
    target: Decimal | None = None

    @property
    def achievement(self) -> Decimal | None:
        return formulas.achievement(self.amount, self.target) if self.target is not None else None


def month_to_date_for_reps(
    *, rep_ids: list[int], day: dt.date, month_dates: list[dt.date] | None = None
) -> dict[int, MonthToDate]:
    """Each rep's sales from the 1st of ``day``'s month through ``day``, their approved sales target for the
    month, and the month's time progress (working days elapsed / working days in the month), by the formulas
    of the reports.

    Read live from sale records, targets and the work calendar, as the meeting shows the day as it goes;
    three queries, two when the caller passes the month's working dates.
    """
    month_start, month_end = day.replace(day=1), formulas.month_end(day)
    dates = month_dates if month_dates is not None else working_dates(month_start, month_end)
    units = formulas.period_units(month_start, month_end, day, working_days=dates)
    time_progress = formulas.time_progress(units)
    if time_progress is None:  # a month without working days
        time_progress = ZERO
    amounts = {
        rep_id: total
        for (rep_id, _bucket), total in actuals.family_totals(
            actuals.SALES_FAMILIES, start=month_start, end=day, rep_ids=rep_ids, per_rep=True
        ).items()
    }
    targets = dict(
        TargetPeriod.objects.filter(
            target__rep_id__in=rep_ids,
            target__fiscal_year=day.year,
            target__status=Target.Status.APPROVED,
            target__metric__actual_kind=Metric.ActualKind.SALES_AMOUNT,
            target__metric__product_group="",
            month=day.month,
        ).values_list("target__rep_id", "value")
    )
    return {
        rep_id: MonthToDate(amount=amounts.get(rep_id) or ZERO, time_progress=time_progress, target=targets.get(rep_id))
        for rep_id in rep_ids
    }


PREVIOUS_WORKING_DAY_WINDOW = 21  # days searched back for the previous working day


def previous_working_day(day: dt.date, *, dates: list[dt.date] | None = None) -> dt.date | None:
    """The last working day before ``day`` within three weeks; ``dates`` may pass the working days of a
    range that covers those three weeks (no query then)."""
    start = day - dt.timedelta(days=PREVIOUS_WORKING_DAY_WINDOW)
    if dates is None:
        dates = working_dates(start, day - dt.timedelta(days=1))
    earlier = [d for d in dates if start <= d < day]
    return earlier[-1] if earlier else None


# --- Check-in form ----------------------------------------------------------------------------------------


def checkin_prefill(*, meeting: Meeting, rep: AbstractBaseUser, checkin: CheckIn | None) -> dict:
    """Initial values of a check-in form: what the rep entered before, else what the visit sheet says."""
    if checkin is not None and checkin.checked_in_at is not None:
        return {name: getattr(checkin, name) for name in SLOT_FIELDS[meeting.slot]}
    summary = visit_day_summaries(rep_ids=[rep.pk], day=meeting.date)[rep.pk]
    if meeting.slot == Slot.MORNING:
        return {"planned_visits": summary.planned, "key_customers": ", ".join(summary.key_customers)}
    if meeting.slot == Slot.NOON:
        return {"progress_visits": summary.visits, "progress_amount": summary.order_amount}
    return {"results_visits": summary.visits, "results_amount": summary.order_amount}


# --- Dashboards -------------------------------------------------------------------------------------------


@dataclass
class DashboardRow:
    rep: object
    attendance: str
    checkin: CheckIn | None
    goals: CheckIn | None  # the morning check-in
    progress: CheckIn | None  # the noon check-in
    results: CheckIn | None  # the evening check-in
    summary: DaySummary
    month: MonthToDate | None = None
    yesterday: DaySummary | None = None
    rank: int | None = None
    # The day's recorded orders (its sale lines: orders taken on visits and ERP lines dated that day), and the
    # largest of them: what the evening ranks by, whatever a rep typed at check-in.
    recorded_amount: Decimal = ZERO
    biggest_order: Decimal = ZERO

    @property
    def planned_visits(self) -> int:
        if self.goals and self.goals.planned_visits is not None:
            return self.goals.planned_visits
        return self.summary.planned

    @property
    def planned_amount(self) -> Decimal:
        return (self.goals.planned_amount if self.goals else None) or ZERO

    @property
    def visits_so_far(self) -> int:
        return self.summary.visits

    @property
    def amount_so_far(self) -> Decimal:
        return self.summary.order_amount

    @property
    def results_visits(self) -> int:
        if self.results and self.results.results_visits is not None:
            return self.results.results_visits
        return self.summary.visits

    @property
    def results_amount(self) -> Decimal:
        """The day's orders as recorded (never the amount typed at check-in)."""
        return self.recorded_amount

    @property
    def reported_amount(self) -> Decimal | None:
        """The order amount the rep typed at the evening check-in, shown beside the recorded one only."""
        return self.results.results_amount if self.results else None

    @property
    def report_differs(self) -> bool:
        """The reported amount is more than ``REPORT_TOLERANCE`` away from the recorded one."""
        reported = self.reported_amount
        if reported is None:
            return False
        if not self.recorded_amount:
            return reported > 0
        return abs(reported - self.recorded_amount) > self.recorded_amount * REPORT_TOLERANCE

    @property
    def not_started(self) -> bool:
        return self.summary.visits == 0

    @property
    def amount_completion(self) -> Decimal | None:
        return self.results_amount / self.planned_amount if self.planned_amount else None


@dataclass
class Star:
    """One of the day's stars on the evening dashboard: the reps sharing the best figure of a kind."""

    kind: str  # "visits", "new_customers", "biggest_order"
    reps: list
    value: Decimal | int


def day_stars(rows: list[DashboardRow]) -> list[Star]:
    """The day's stars: most visits, most new customers, biggest single order (ties share; none for a zero)."""
    stars = []
    for kind, value_of in (
        ("visits", lambda row: row.summary.visits),
        ("new_customers", lambda row: row.summary.new_customers),
        ("biggest_order", lambda row: row.biggest_order),
    ):
        best = max((value_of(row) for row in rows), default=0)
        if best:
            stars.append(Star(kind=kind, reps=[row.rep for row in rows if value_of(row) == best], value=best))
    return stars


@dataclass
class Dashboard:
    meeting: Meeting
    now: dt.datetime
    rows: list[DashboardRow]
    totals: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    yesterday: dt.date | None = None
    attendance_counts: dict = field(default_factory=dict)
    stars: list[Star] = field(default_factory=list)


def dashboard_for(*, meeting: Meeting, now: dt.datetime | None = None) -> Dashboard:
    """Everything a meeting's dashboard shows, in a fixed number of queries whatever the team size (seven for
    the morning meeting, five at noon and in the evening)."""
    now = now or timezone.now()
    reps = team_reps(team_id=meeting.team_id, day=meeting.date)
    rep_ids = [rep.pk for rep in reps]
    by_slot: dict[str, dict[int, CheckIn]] = {slot: {} for slot in Slot.values}
    for checkin in CheckIn.objects.filter(meeting__team_id=meeting.team_id, meeting__date=meeting.date).annotate(
        meeting_slot=F("meeting__slot")
    ):
        by_slot[checkin.meeting_slot][checkin.rep_id] = checkin
    month, yesterday_summaries, yesterday = {}, {}, None
    days = [meeting.date]
    if meeting.slot == Slot.MORNING:
        # One calendar read covers the month (time progress) and the three weeks before (yesterday).
        month_start = meeting.date.replace(day=1)
        start = min(month_start, meeting.date - dt.timedelta(days=PREVIOUS_WORKING_DAY_WINDOW))
        dates = working_dates(start, formulas.month_end(meeting.date))
        month = month_to_date_for_reps(
            rep_ids=rep_ids, day=meeting.date, month_dates=[d for d in dates if d >= month_start]
        )
        yesterday = previous_working_day(meeting.date, dates=dates)
        if yesterday:
            days.append(yesterday)
    # The dashboard shows the check-ins' key customers, not the sheets': the names are not read.
    by_day = day_summaries_for_reps(rep_ids=rep_ids, days=days, key_customers=False)
    summaries = by_day[meeting.date]
    if yesterday:
        yesterday_summaries = by_day[yesterday]
    own = by_slot[meeting.slot]
    rows = [
        DashboardRow(
            rep=rep,
            attendance=attendance_of(meeting=meeting, checkin=own.get(rep.pk), now=now),
            checkin=own.get(rep.pk),
            goals=by_slot[Slot.MORNING].get(rep.pk),
            progress=by_slot[Slot.NOON].get(rep.pk),
            results=by_slot[Slot.EVENING].get(rep.pk),
            summary=summaries[rep.pk],
            month=month.get(rep.pk),
            yesterday=yesterday_summaries.get(rep.pk),
        )
        for rep in reps
    ]
    stars = []
    if meeting.slot == Slot.EVENING:
        row_of = {row.rep.pk: row for row in rows}
        for rep_id, total, biggest in (
            SaleRecord.objects.filter(rep_id__in=rep_ids, date=meeting.date)
            .order_by()
            .values("rep_id")
            .annotate(total=Sum("amount"), biggest=Max("amount"))
            .values_list("rep_id", "total", "biggest")
        ):
            row_of[rep_id].recorded_amount, row_of[rep_id].biggest_order = total, biggest
        for rank, row in enumerate(sorted(rows, key=lambda r: (-r.results_amount, -r.results_visits)), start=1):
            row.rank = rank
        stars = day_stars(rows)
    problems = list(
        Problem.objects.filter(team_id=meeting.team_id, created_at__date=meeting.date)
        .select_related("owner", "raised_by")
        .order_by("created_at")
    )
    counts = {value: 0 for value in Attendance.values}
    for row in rows:
        if row.attendance:
            counts[row.attendance] += 1
    totals = {
        "planned_visits": sum(row.planned_visits for row in rows),
        "planned_amount": sum((row.planned_amount for row in rows), ZERO),
        "visits_so_far": sum(row.visits_so_far for row in rows),
        "amount_so_far": sum((row.amount_so_far for row in rows), ZERO),
        "results_visits": sum(row.results_visits for row in rows),
        "results_amount": sum((row.results_amount for row in rows), ZERO),
        "month_amount": sum((row.month.amount for row in rows if row.month), ZERO),
    }
    planned = totals["planned_amount"]
    totals["amount_completion"] = totals["results_amount"] / planned if planned else None
    return Dashboard(
        meeting=meeting,
        now=now,
        rows=rows,
        totals=totals,
        problems=problems,
        yesterday=yesterday,
        attendance_counts=counts,
        stars=stars,
    )
