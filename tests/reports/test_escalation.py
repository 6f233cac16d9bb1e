"""Escalations to the manager above and the director, once per cause; archiving; alerts grouped by cause and rep."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from org.models import Role
from reports import escalation, selectors
from reports.models import Alert, PeriodKind, ProgressSnapshot, ReportSettings
from reports.night.context import NightContext
from reports.night.run import night_compute
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
# March 2026: the 9th–13th are Monday to Friday, the 16th the next Monday.
WEEK = [dt.date(2026, 3, day) for day in (9, 10, 11, 12, 13)]


def at(day: dt.date):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 23, 0, tzinfo=SHANGHAI))


def escalate(day: dt.date) -> list[Alert]:
    with at(day):
        return escalation.alerts_escalate(NightContext(day))


@pytest.fixture
def east_manager(company):
    return MembershipFactory(user=UserFactory(username="manager_east"), team=company.region, role=Role.MANAGER).user


def critical(company, metric, rep, day: dt.date, status: str = "critical") -> None:
    ProgressSnapshot.objects.create(
        as_of=day,
        owner_key=f"rep:{rep.pk}",
        team=company.team_a,
        rep=rep,
        metric=metric,
        period_kind=PeriodKind.MONTH,
        period_start=day.replace(day=1),
        period_end=dt.date(2026, 3, 31),
        target=D("100000"),
        actual=D("10000"),
        gap_pp=D("-30"),
        status=status,
        computed_at=timezone.now(),
    )


def sheet(rep, team, day: dt.date) -> None:
    from visits.models import VisitSheet

    moment = dt.datetime(day.year, day.month, day.day, 18, tzinfo=SHANGHAI)
    VisitSheet.objects.create(rep=rep, team=team, date=day, deadline=moment, submitted_at=moment, status="submitted")


def file_every_day(company, days, *, except_rep=None) -> None:
    for rep, team in [
        (company.rep_a, company.team_a),
        (company.rep_a2, company.team_a),
        (company.rep_b, company.team_b),
    ]:
        for day in days:
            if rep != except_rep:
                sheet(rep, team, day)


def test_a_rep_critical_five_working_days_running_goes_to_the_manager_above_and_the_director(
    company, sales_metric, east_manager
) -> None:
    file_every_day(company, [dt.date(2026, 3, d) for d in range(2, 17)])
    for day in WEEK:
        critical(company, sales_metric, company.rep_a, day)
    critical(company, sales_metric, company.rep_a2, WEEK[0], status="behind")  # behind is not critical
    for day in WEEK[1:]:
        critical(company, sales_metric, company.rep_a2, day)
    assert escalate(WEEK[3]) == []  # four days are not five
    raised = escalate(WEEK[4])
    assert {(a.user_id, a.subject_rep_id) for a in raised} == {
        (east_manager.pk, company.rep_a.pk),
        (company.director.pk, company.rep_a.pk),
    }  # not the team's own manager, who has had the daily alerts all along
    assert raised[0].params["days"] == 5 and "5" in raised[0].message
    critical(company, sales_metric, company.rep_a, dt.date(2026, 3, 16))
    assert escalate(dt.date(2026, 3, 16)) == []  # once per cause: the same run goes on


def test_the_number_of_days_is_a_setting(company, sales_metric, east_manager) -> None:
    file_every_day(company, WEEK)
    ReportSettings.objects.update_or_create(pk=1, defaults={"escalate_critical_days": 2})
    for day in WEEK[3:]:
        critical(company, sales_metric, company.rep_a, day)
    assert len(escalate(WEEK[4])) == 2


def test_a_sheet_missing_three_working_days_running_is_escalated_once_per_run(company, east_manager) -> None:
    file_every_day(company, [dt.date(2026, 3, d) for d in range(2, 21)], except_rep=company.rep_a)
    for day in [dt.date(2026, 3, d) for d in (2, 3, 4, 5, 6, 9, 10)]:
        sheet(company.rep_a, company.team_a, day)
    assert escalate(WEEK[3]) == []  # the 11th and 12th: two days
    [to_manager, to_director] = sorted(escalate(WEEK[4]), key=lambda a: a.user_id != east_manager.pk)
    assert (to_manager.user_id, to_director.user_id) == (east_manager.pk, company.director.pk)
    assert to_manager.cause == f"escalation-missing:{company.rep_a.pk}:2026-03-11"
    assert to_manager.params["days"] == 3
    assert escalate(dt.date(2026, 3, 16)) == []  # still the run that began on the 11th
    sheet(company.rep_a, company.team_a, dt.date(2026, 3, 17))  # files once, then misses again
    assert escalate(dt.date(2026, 3, 18)) == [] and escalate(dt.date(2026, 3, 19)) == []
    assert len(escalate(dt.date(2026, 3, 20))) == 2  # a new run: the 18th, 19th and 20th
    assert {a.cause for a in Alert.objects.filter(cause__startswith="escalation-missing")} == {
        f"escalation-missing:{company.rep_a.pk}:2026-03-11",
        f"escalation-missing:{company.rep_a.pk}:2026-03-18",
    }


def test_a_problem_open_past_its_due_date_is_escalated_after_the_configured_days(company, east_manager) -> None:
    from meetings.models import Problem

    file_every_day(company, [dt.date(2026, 3, d) for d in range(2, 17)])
    ReportSettings.objects.update_or_create(pk=1, defaults={"escalate_problem_overdue_days": 2})
    raised_at = dt.datetime(2026, 3, 2, 9, tzinfo=SHANGHAI)
    late = Problem.objects.create(
        team=company.team_b,
        raised_by=company.manager_b,
        owner=company.rep_b,
        description="Shelf space lost",
        due_date=dt.date(2026, 3, 9),
        created_at=raised_at,
    )
    Problem.objects.create(
        team=company.team_b,
        raised_by=company.manager_b,
        owner=company.rep_b,
        description="Solved in time",
        due_date=dt.date(2026, 3, 9),
        created_at=raised_at,
        resolved_at=raised_at,
    )
    assert escalate(dt.date(2026, 3, 11)) == []  # two days past due: not yet more than two
    raised = escalate(dt.date(2026, 3, 12))
    assert {a.user_id for a in raised} == {east_manager.pk, company.director.pk}
    assert {a.cause for a in raised} == {f"escalation-problem:{late.pk}"}
    assert "Shelf space lost" in raised[0].message
    assert escalate(dt.date(2026, 3, 13)) == []


def test_the_night_escalates_with_its_alerts(company, night, east_manager) -> None:
    from meetings.models import Problem

    Problem.objects.create(
        team=company.team_a,
        raised_by=company.manager_a,
        owner=company.rep_a,
        description="Late delivery",
        due_date=dt.date(2026, 3, 2),
        created_at=dt.datetime(2026, 3, 1, 9, tzinfo=SHANGHAI),
    )
    with at(night["as_of"]):
        night_compute(as_of=night["as_of"])
    assert Alert.objects.filter(user=company.director, cause__startswith="escalation-problem:").count() == 1


def test_alerts_of_a_period_that_is_over_are_archived(company) -> None:
    def alert(cause: str, day: dt.date) -> Alert:
        return Alert.objects.create(user=company.manager_a, cause=cause, day=day, message=cause)

    old_progress = alert("progress:1:1:behind", dt.date(2026, 2, 27))
    this_month = alert("progress:1:1:critical", dt.date(2026, 3, 2))
    last_week = alert("missing-sheet:1", dt.date(2026, 3, 6))
    this_week = alert("missing-sheet:2", dt.date(2026, 3, 9))
    pending = alert("pending-change:5", dt.date(2026, 1, 5))
    assert escalation.alerts_archive(as_of=dt.date(2026, 3, 10)) == 2
    archived = set(Alert.objects.filter(archived_at__isnull=False).values_list("pk", flat=True))
    assert archived == {old_progress.pk, last_week.pk}
    assert {this_month.pk, this_week.pk, pending.pk}.isdisjoint(archived)
    assert selectors.unread_alert_count(user=company.manager_a) == 3


def _behind(company, metric_name: str = "Sales amount") -> list[Alert]:
    rows = []
    for rep, day in [(company.rep_a, 9), (company.rep_a2, 10), (company.rep_b, 10), (company.rep_a, 11)]:
        rows.append(
            Alert.objects.create(
                user=company.director,
                cause=f"progress:{rep.pk}:1:behind",
                day=dt.date(2026, 3, day),
                params={"rep": rep.username, "status": "behind", "metric": metric_name, "gap": "-9.1"},
                subject_rep=rep,
                message="x",
            )
        )
    rows.append(
        Alert.objects.create(
            user=company.director,
            cause=f"missing-sheet:{company.rep_b.pk}",
            day=dt.date(2026, 3, 10),
            params={"rep": "rep_b"},
            subject_rep=company.rep_b,
            message="x",
        )
    )
    return rows


def test_alerts_are_grouped_by_cause_and_by_rep(company) -> None:
    _behind(company)
    by_cause = selectors.alert_groups(user=company.director)
    labels = {g.key: g for g in by_cause}
    behind = labels["progress:Sales amount:behind"]
    assert (len(behind.alerts), behind.reps) == (4, 3)
    from django.utils import translation

    with translation.override("en"):
        assert behind.label == "3 reps behind on Sales amount"
        assert labels["missing-sheet"].label == "1 rep without a visit sheet"
    with translation.override("zh-hans"):
        assert behind.label == "销售额：3 名业务员落后"
    by_rep = {g.key: g for g in selectors.alert_groups(user=company.director, by="rep")}
    assert len(by_rep[f"rep:{company.rep_b.pk}"].alerts) == 2 and len(by_rep[f"rep:{company.rep_a.pk}"].alerts) == 2
    only_sheets = selectors.alert_groups(user=company.director, kind="missing-sheet")
    assert [g.key for g in only_sheets] == ["missing-sheet"]


def test_the_alert_page_filters_pages_and_marks_a_group_read(company) -> None:
    _behind(company)
    for index in range(25):  # 25 more causes: two pages of groups
        Alert.objects.create(
            user=company.director,
            cause=f"progress:{index}:9:critical",
            day=dt.date(2026, 3, 2),
            params={"status": "critical", "metric": f"Metric {index}"},
            level=Alert.Level.DANGER,
            message="x",
        )
    client = company.client_for(company.director)
    first = client.get(reverse("reports:alerts"))
    assert len(first.context["page"].object_list) == 20 and first.context["page"].paginator.num_pages == 2
    assert 'data-testid="alerts-next"' in first.content.decode()
    page = client.get(reverse("reports:alerts") + "?kind=progress&level=warning")
    [group] = page.context["page"].object_list
    assert group.key == "progress:Sales amount:behind"
    response = client.post(
        reverse("reports:alerts_read"), {"alert": [group.ids], "next": "/reports/alerts/?kind=progress"}
    )
    assert response.url == "/reports/alerts/?kind=progress"
    assert Alert.objects.filter(user=company.director, read_at__isnull=False).count() == 4
    assert Alert.objects.filter(user=company.director, read_at__isnull=True).count() == 26
    # Another user's ids in a box change nothing of theirs.
    theirs = Alert.objects.create(user=company.manager_a, cause="missing-sheet:9", day=dt.date(2026, 3, 2), message="x")
    client.post(reverse("reports:alerts_read"), {"alert": [str(theirs.pk)]})
    theirs.refresh_from_db()
    assert theirs.read_at is None
    rep_page = company.client_for(company.rep_a).get(reverse("reports:alerts"))
    assert rep_page.status_code == 200 and list(rep_page.context["page"].object_list) == []
