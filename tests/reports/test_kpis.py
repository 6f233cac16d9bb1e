"""Execution KPIs of a rep and a team, counted from sheets, visits, reviews and meetings."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from meetings.models import Attendance, CheckIn, CorrectiveAction, Meeting, Problem
from reports.models import ExecutionKpiSnapshot
from reports.night.run import night_compute
from tests.factories import CustomerFactory
from tests.reports.factories import make_target
from visits.models import Visit, VisitReview, VisitSheet

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 3, 16)


def at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def execution(company) -> None:
    customer = CustomerFactory(team=company.team_a, owner=company.rep_a, tier="A")
    sheet = VisitSheet.objects.create(
        rep=company.rep_a,
        team=company.team_a,
        date=AS_OF,
        status="submitted",
        deadline=at(AS_OF, 21),
        submitted_at=at(AS_OF, 20),
    )
    done = Visit.objects.create(
        sheet=sheet, customer=customer, planned=True, check_in_at=at(AS_OF, 9), check_out_at=at(AS_OF, 10)
    )
    Visit.objects.create(sheet=sheet, customer=customer, planned=True)
    VisitReview.objects.create(visit=done, by=company.manager_a, method="call_back", result="confirmed")
    meeting = Meeting.objects.create(
        team=company.team_a,
        date=AS_OF,
        slot="morning",
        scheduled_at=at(AS_OF, 8),
        late_after=at(AS_OF, 8),
        closes_at=at(AS_OF, 9),
    )
    CheckIn.objects.create(
        meeting=meeting, rep=company.rep_a, attendance=Attendance.PRESENT, checked_in_at=at(AS_OF, 8)
    )
    CheckIn.objects.create(meeting=meeting, rep=company.rep_a2, attendance="")
    problem = Problem.objects.create(
        team=company.team_a,
        raised_by=company.manager_a,
        description="Stock out",
        owner=company.rep_a,
        due_date=AS_OF,
        created_at=at(AS_OF, 8),
        resolved_at=at(AS_OF, 11),
    )
    CorrectiveAction.objects.create(
        problem=problem, owner=company.rep_a, description="Call", assigned_at=at(AS_OF, 8), started_at=at(AS_OF, 9)
    )
    CorrectiveAction.objects.create(problem=problem, owner=company.rep_a, description="Visit", assigned_at=at(AS_OF, 8))


def test_a_reps_month_kpis(company, execution) -> None:
    night_compute(as_of=AS_OF)
    kpi = ExecutionKpiSnapshot.objects.get(as_of=AS_OF, owner_key=f"rep:{company.rep_a.pk}", period_kind="month")
    assert kpi.plan_completion_rate == D("0.5")
    assert kpi.on_time_filing_rate == D("0.090909")  # 1 sheet on time of 11 working days
    assert kpi.quality_rate == D("1")
    assert kpi.median_resolution_hours == D("3.00")
    assert kpi.action_timeliness == D("0.5")
    assert kpi.attendance_rate == D("1")
    assert kpi.overdue_customers == 0  # visited today


def test_a_teams_kpis_count_every_member(company, execution) -> None:
    night_compute(as_of=AS_OF)
    kpi = ExecutionKpiSnapshot.objects.get(as_of=AS_OF, owner_key=f"team:{company.team_a.pk}", period_kind="month")
    assert kpi.attendance_rate == D("0.5")  # rep_a2 never checked in
    assert kpi.on_time_filing_rate == D("0.045455")  # 1 of 2 reps × 11 days
    region = ExecutionKpiSnapshot.objects.get(as_of=AS_OF, owner_key=f"team:{company.region.pk}", period_kind="month")
    assert region.plan_completion_rate == D("0.5")


def test_the_daily_report_shows_resolution_time_and_action_timeliness(company, execution, sales_metric) -> None:
    make_target(company.team_a, company.rep_a, sales_metric, {3: "220000"})
    night_compute(as_of=AS_OF)
    client = company.client_for(company.manager_a)
    query = f"?team={company.team_a.pk}&metric={sales_metric.pk}&period=month"
    html = client.get(reverse("reports:daily") + query).content.decode()
    row = html.split(f'data-owner="rep:{company.rep_a.pk}"')[1].split("</tr>")[0]
    assert '<td class="num" data-testid="resolution">3.0</td>' in row  # resolved 3 h after it was raised
    assert '<td class="num" data-testid="timeliness">50.0%</td>' in row  # one of two actions started in 24 h
    sheet = load_workbook(io.BytesIO(client.get(reverse("reports:daily_xlsx") + query).content)).active
    values = [cell.value for cell in sheet[3]]  # columns O, P, R: resolution, timeliness, overdue customers
    assert (values[14], values[15], values[17]) == (3.0, 0.5, 0)
    assert sheet["P3"].number_format == "0.0%"
