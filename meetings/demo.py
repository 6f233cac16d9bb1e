"""Demo meetings: the last three weeks of morning, noon and evening meetings of the demo teams, with check-ins
(a few late, absent and excused), problems open and resolved with their corrective actions, and coaching notes.
Idempotent: rows are keyed by their unique fields, so a second run adds nothing."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from meetings.models import Attendance, CheckIn, CoachingNote, CorrectiveAction, Meeting, Problem, Slot
from meetings.services import meetings_ensure_for_day
from org.calendar import working_dates
from org.models import Membership, Role

PROBLEMS = [
    ("华润万家（徐汇店）断货两天，需协调仓库补货", "仓库加急补货 20 箱，已到店上架"),
    ("新品冷萃咖啡陈列位置被竞品占用", "与店长沟通，恢复端架陈列并拍照留存"),
    ("经销商回款延迟，影响下单额度", "经理电话跟进，经销商承诺周五前回款"),
    ("两家便利店反映价格高于竞品", "申请本周促销政策，买十送一"),
    ("业务员线路规划不合理，拜访数量不足", "重新划分片区，明日按新线路执行"),
    ("客户投诉临期产品", "已安排退换货，并检查库存批次"),
]
EXCUSES = ["陪同经理走访市场", "客户培训", "病假", "参加经销商会议"]
WENT_WRONG = ["两家店老板不在，未能下单", "路上堵车，少拜访一家", "", "新品试吃反馈一般", ""]
CORRECTIONS = ["明早先电话预约再拜访", "调整路线，先拜访远端客户", "", "带试吃装，重点推新品", ""]
BLOCKERS = ["", "", "仓库缺货", "客户要求账期", ""]


def _at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def seed(context: dict) -> None:
    rng = random.Random(20260505)
    today = timezone.localdate()
    teams = context["teams"]
    reps_by_team: dict[int, list] = {}
    for rep, team in context["reps"]:
        reps_by_team.setdefault(team.pk, []).append(rep)
    days = working_dates(today - dt.timedelta(days=21), today - dt.timedelta(days=1))
    for day in [*days, today]:
        meetings_ensure_for_day(day=day)
    meetings = Meeting.objects.filter(team__in=teams, date__in=days).order_by("date", "team_id", "scheduled_at")

    checkins = []
    for meeting in meetings:
        for rep in reps_by_team.get(meeting.team_id, []):
            roll = rng.random()
            if roll < 0.04:
                continue  # absent: no check-in, the closed meeting shows it
            row = CheckIn(meeting=meeting, rep=rep)
            if roll < 0.07:
                row.attendance, row.excuse_reason = Attendance.EXCUSED, rng.choice(EXCUSES)
                checkins.append(row)
                continue
            if roll < 0.15:
                row.checked_in_at = meeting.late_after + dt.timedelta(minutes=rng.randint(1, 20))
                row.attendance = Attendance.LATE
            else:
                row.checked_in_at = meeting.scheduled_at - dt.timedelta(minutes=rng.randint(0, 10))
                row.attendance = Attendance.PRESENT
            planned = rng.randint(4, 8)
            amount = Decimal(rng.randint(8, 40) * 100)
            if meeting.slot == Slot.MORNING:
                row.planned_visits, row.planned_amount = planned, amount
            elif meeting.slot == Slot.NOON:
                row.progress_visits = rng.randint(1, 4)
                row.progress_amount = Decimal(rng.randint(2, 20) * 100)
                row.blockers = rng.choice(BLOCKERS)
            else:
                row.results_visits = rng.randint(3, 8)
                row.results_amount = Decimal(rng.randint(5, 45) * 100)
                row.went_wrong, row.correction_tomorrow = rng.choice(WENT_WRONG), rng.choice(CORRECTIONS)
            checkins.append(row)
    CheckIn.objects.bulk_create(checkins, ignore_conflicts=True)

    managers = dict(
        Membership.objects.filter(team__in=teams, role=Role.MANAGER).values_list("team_id", "user_id").order_by("id")
    )
    noon_meetings = {(m.team_id, m.date): m for m in meetings if m.slot == Slot.NOON}
    existing = set(Problem.objects.filter(team__in=teams).values_list("team_id", "created_at"))
    problems, resolutions = [], []
    for team in teams:
        team_reps = reps_by_team.get(team.pk, [])
        if not team_reps or not days:
            continue
        for n, (description, resolution) in enumerate(PROBLEMS):
            day = days[min(len(days) - 1, n * 3 + rng.randint(0, 2))]
            created = _at(day, 12, 40 + n)
            owner, minutes = rng.choice(team_reps), rng.choice([35, 70, 95, 110, 180, 300])
            if (team.pk, created) in existing:
                continue
            is_open = n >= len(PROBLEMS) - 2  # the latest two are still open
            problem = Problem(
                team=team,
                raised_by_id=managers.get(team.pk, owner.pk),
                source=Problem.Source.DASHBOARD if n % 2 else Problem.Source.CHECKIN,
                meeting=noon_meetings.get((team.pk, day)),
                description=description,
                owner=owner,
                due_date=day + dt.timedelta(days=1),
                created_at=created,
            )
            if not is_open:
                problem.resolved_at = created + dt.timedelta(minutes=minutes)
                problem.resolved_by, problem.resolution = owner, resolution
            problems.append(problem)
            resolutions.append((problem, resolution))
    Problem.objects.bulk_create(problems)
    CorrectiveAction.objects.bulk_create(
        [
            CorrectiveAction(
                problem=problem,
                owner=problem.owner,
                description=resolution,
                assigned_at=problem.created_at + dt.timedelta(minutes=5),
                started_at=problem.created_at + dt.timedelta(minutes=20) if problem.resolved_at else None,
                done_at=problem.resolved_at,
            )
            for problem, resolution in resolutions
        ]
    )

    if not CoachingNote.objects.filter(team__in=teams).exists():
        CoachingNote.objects.bulk_create(
            [
                CoachingNote(
                    team=team,
                    manager_id=managers[team.pk],
                    rep=reps_by_team[team.pk][-1],
                    topic="新人 30 天目标复盘",
                    agreed_actions="每天至少 6 家拜访；每周开发 2 家新网点；晚会前提交拜访表",
                    follow_up_date=today + dt.timedelta(days=7),
                )
                for team in teams
                if team.pk in managers and reps_by_team.get(team.pk)
            ]
        )
