"""The weekly review meeting's page (周会 / 执行力评估会): per rep the week's execution KPIs of the night against
their goals, the week's problems, the minutes saved and the team's review time. Its writes are in
``meetings.weekly``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from meetings.models import Problem, WeeklyReview, WeeklyReviewSchedule
from meetings.selectors import team_reps
from meetings.weekly import week_of
from org.models import Team
from org.scoping import scoped
from reports.models import ExecutionKpiSnapshot, PeriodKind
from reports.selectors import kpi_list_for, latest_night
from salesops.formatting import display_name, sorted_by_name

# The execution goals of the weekly review: (KPI, goal, higher is better).
GOALS = (
    ("plan_completion_rate", Decimal("0.95"), True),
    ("action_timeliness", Decimal("1"), True),  # every action started within 24 h of assignment
    ("quality_rate", Decimal("0.98"), True),
    ("median_resolution_hours", Decimal("2"), False),
)


@dataclass
class KpiCheck:
    name: str
    value: Decimal | None
    goal: Decimal
    higher_is_better: bool

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        return self.value >= self.goal if self.higher_is_better else self.value <= self.goal


@dataclass
class ReviewRow:
    rep_id: int
    name: str
    checks: list[KpiCheck]

    @property
    def missed(self) -> int:
        return sum(1 for check in self.checks if check.met is False)


def weekly_review_for(*, user: AbstractBaseUser, team: Team, week_start: dt.date) -> dict:
    """The page of one week's review of ``team``: per rep the week's KPIs against the goals, the week's
    problems, the saved minutes and the team's review time."""
    week_start = week_of(week_start)
    week_end = week_start + dt.timedelta(days=6)
    night = latest_night(on_or_before=week_end)
    if night is not None and night < week_start:
        night = None
    kpis: dict[int, ExecutionKpiSnapshot] = {}
    if night is not None:
        rows = kpi_list_for(user=user).filter(
            as_of=night, period_kind=PeriodKind.WEEK, team=team, rep__isnull=False, period_end__gte=week_start
        )
        kpis = {k.rep_id: k for k in rows}
    reps = sorted_by_name(team_reps(team_id=team.pk, day=min(week_end, timezone.localdate())))
    review_rows = []
    for rep in reps:
        kpi = kpis.get(rep.pk)
        checks = [KpiCheck(name, getattr(kpi, name) if kpi else None, goal, up) for name, goal, up in GOALS]
        review_rows.append(ReviewRow(rep.pk, display_name(rep), checks))
    start = dt.datetime.combine(week_start, dt.time.min, tzinfo=timezone.get_current_timezone())
    problems = list(
        scoped(Problem.objects.select_related("owner"), user, team_field="team", owner_field="owner")
        .filter(team=team, created_at__gte=start, created_at__lt=start + dt.timedelta(days=7))
        .order_by("created_at")
    )
    schedule = WeeklyReviewSchedule.objects.filter(team=team).first() or WeeklyReviewSchedule(team=team)
    return {
        "team": team,
        "week_start": week_start,
        "week_end": week_end,
        "night": night,
        "rows": review_rows,
        "goals": GOALS,
        "problems": problems,
        "review": WeeklyReview.objects.filter(team=team, week_start=week_start).select_related("saved_by").first(),
        "schedule": schedule,
        "held_at": dt.datetime.combine(week_start + dt.timedelta(days=schedule.weekday), schedule.time),
    }
