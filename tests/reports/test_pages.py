"""Report pages: the daily report, exports, drill-down, scorecard, home pages and alerts, with scoping."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from reports.models import Alert, ForecastMethod, ReportSettings
from reports.night.run import night_compute

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(company, night) -> dict:
    night_compute(as_of=night["as_of"])
    return night


def daily_url(company, computed, **extra) -> str:
    query = {"team": company.team_a.pk, "metric": computed["metric"].pk, **extra}
    return reverse("reports:daily") + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def test_a_manager_sees_a_row_per_member_sorted_by_gap(company, computed, django_assert_max_num_queries) -> None:
    client = company.client_for(company.manager_a)
    with django_assert_max_num_queries(20):
        response = client.get(daily_url(company, computed, sort="gap"))
    assert response.status_code == 200
    rows = response.context["report"].rows
    assert [r.snapshot.owner_key for r in rows] == [f"rep:{company.rep_a.pk}", f"rep:{company.rep_a2.pk}"]
    assert 'data-testid="gap"><span class="gap-behind">-9.1<' in response.content.decode()
    descending = client.get(daily_url(company, computed, sort="-gap"))
    assert [r.snapshot.owner_key for r in descending.context["report"].rows][0] == f"rep:{company.rep_a2.pk}"


def test_a_director_sees_child_teams_of_the_region(company, computed) -> None:
    response = company.client_for(company.director).get(
        reverse("reports:daily") + f"?team={company.region.pk}&metric={computed['metric'].pk}"
    )
    assert [r.snapshot.owner_key for r in response.context["report"].rows] == [f"team:{company.team_a.pk}"]
    assert response.context["report"].total.actual == D("186000.00")


def test_a_rep_cannot_open_the_daily_report(company, computed) -> None:
    assert company.client_for(company.rep_a).get(reverse("reports:daily")).status_code == 403


def test_a_manager_cannot_open_another_teams_report_or_rep(company, computed) -> None:
    client = company.client_for(company.manager_b)
    assert client.get(daily_url(company, computed)).status_code == 404
    assert client.get(reverse("reports:rep", args=[company.rep_a.pk])).status_code == 404


def test_the_xlsx_export_has_the_same_numbers(company, computed) -> None:
    response = company.client_for(company.manager_a).get(
        reverse("reports:daily_xlsx") + f"?team={company.team_a.pk}&metric={computed['metric'].pk}&sort=gap"
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=3, column=2).value == 220000
    assert sheet.cell(row=3, column=3).value == 90000
    assert sheet.cell(row=3, column=4).value == pytest.approx(0.409091)
    assert sheet.cell(row=3, column=4).number_format == "0.0%"
    assert sheet.cell(row=3, column=7).value == pytest.approx(-9.09)
    assert sheet.cell(row=3, column=10).value == pytest.approx(11818.18)
    assert sheet.cell(row=3, column=7).fill.fgColor.rgb.endswith("FFCC80")


def test_the_csv_export_lists_every_member(company, computed) -> None:
    response = company.client_for(company.manager_a).get(
        reverse("reports:daily_csv") + f"?team={company.team_a.pk}&metric={computed['metric'].pk}"
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 4  # the "data through" line, the headers, two reps
    assert rows[2][2] == "90000.00"


def test_the_drill_down_embeds_the_burn_up_data(company, computed) -> None:
    response = company.client_for(company.manager_a).get(reverse("reports:rep", args=[company.rep_a.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    data = json.loads(html.split('id="report-charts" type="application/json">')[1].split("</script>")[0])
    burn = data["burnUp"]
    assert len(burn["labels"]) == 31
    assert burn["actual"][15] == 90000.0  # 16 March, cumulative
    assert burn["actual"][16] is None  # after the night
    assert burn["plan"][-1] == 220000.0
    assert burn["time"][15] == 110000.0
    assert data["ranking"]["labels"][0] == company.rep_a2.get_full_name()
    assert "reports-rep.js" in html and "chart.umd.min.js" in html


def test_the_week_drill_down_plans_by_daily_targets(company, computed) -> None:
    url = reverse("reports:rep", args=[company.rep_a.pk]) + "?period=week"
    html = company.client_for(company.manager_a).get(url).content.decode()
    burn = json.loads(html.split('id="report-charts" type="application/json">')[1].split("</script>")[0])["burnUp"]
    assert burn["labels"] == [f"2026-03-{day}" for day in range(16, 23)]
    # 10,000 a working day (220,000 over March's 22), nothing on the weekend.
    assert burn["plan"] == [10000.0, 20000.0, 30000.0, 40000.0, 50000.0, 50000.0, 50000.0]
    assert burn["actual"][:2] == [40000.0, None]


def test_the_daily_report_offers_the_week_and_the_day(company, computed) -> None:
    client = company.client_for(company.manager_a)
    url = reverse("reports:daily") + f"?team={company.team_a.pk}&metric={computed['metric'].pk}&period=day"
    report = client.get(url).context["report"]
    assert report.period_kind == "day"
    assert {row.snapshot.owner_key: row.snapshot.target for row in report.rows} == {
        f"rep:{company.rep_a.pk}": D("10000.00"),
        f"rep:{company.rep_a2.pk}": D("5000.00"),
    }


def test_a_rep_can_open_only_their_own_drill_down(company, computed) -> None:
    client = company.client_for(company.rep_a)
    assert client.get(reverse("reports:rep", args=[company.rep_a.pk])).status_code == 200
    assert client.get(reverse("reports:rep", args=[company.rep_a2.pk])).status_code == 404


def test_the_scorecard_ranks_reps_and_shows_stars(company, computed) -> None:
    response = company.client_for(company.manager_a).get(reverse("reports:scorecard"))
    rows = response.context["rows"]
    assert [r.rep_id for r in rows] == [company.rep_a2.pk, company.rep_a.pk]
    assert rows[0].score == D("36.0")  # 60 × 0.6, no KPIs yet


def test_my_day_shows_a_reps_progress(company, computed) -> None:
    # The morning after the night: the month's figures are that night's.
    with time_machine.travel(dt.datetime(2026, 3, 17, 9, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        response = company.client_for(company.rep_a).get(reverse("reports:my_day"))
    assert response.status_code == 200
    assert [row.snapshot.owner_key for row in response.context["month"].rows] == [f"rep:{company.rep_a.pk}"]


def test_my_team_lists_the_members_and_missing_sheets(company, computed) -> None:
    response = company.client_for(company.manager_a).get(reverse("reports:my_team"))
    assert response.status_code == 200
    assert {u.username for u in response.context["missing_sheets"]} == {"rep_a", "rep_a2"}
    assert company.client_for(company.rep_a).get(reverse("reports:my_team")).status_code == 403


def test_alerts_are_listed_and_marked_read(company, computed) -> None:
    client = company.client_for(company.rep_a)
    assert Alert.objects.filter(user=company.rep_a, read_at__isnull=True).count() == 2
    assert client.get(reverse("reports:alerts")).status_code == 200
    client.post(reverse("reports:alerts_read"))
    assert not Alert.objects.filter(user=company.rep_a, read_at__isnull=True).exists()


def test_the_bell_shows_the_unread_count(company, computed) -> None:
    request = RequestFactory().get("/")
    request.user = company.manager_a
    html = Template("{% load reports_tags %}{% alert_bell %}").render(Context({"request": request}))
    count = Alert.objects.filter(user=company.manager_a, read_at__isnull=True).count()
    assert f'data-testid="alert-count">{count}<' in html


def test_the_drill_down_can_show_the_quarter(company, computed) -> None:
    response = company.client_for(company.manager_a).get(
        reverse("reports:rep", args=[company.rep_a.pk]) + "?period=quarter"
    )
    assert response.context["snapshot"].period_kind == "quarter"
    assert response.context["kpi"].period_kind == "quarter"
    assert len(response.context["charts"]["burnUp"]["labels"]) == 90


def test_the_daily_report_runs_the_same_queries_for_more_members(company, night) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import MembershipFactory, UserFactory
    from tests.reports.factories import make_target

    night_compute(as_of=night["as_of"])
    client = company.client_for(company.manager_a)
    url = daily_url(company, night)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for index in range(3):
        rep = MembershipFactory(user=UserFactory(username=f"extra{index}"), team=company.team_a).user
        make_target(company.team_a, rep, night["metric"], {3: "1000"})
    night_compute(as_of=night["as_of"])
    client.get(url)  # the new memberships clear the cached scope: measured, as before, on a second visit
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["report"].rows) == 5
    assert len(many.captured_queries) == len(few.captured_queries)


def test_my_team_shows_a_new_reps_30_60_90_day_checkpoints(company, computed) -> None:
    import datetime as dt

    from django.utils import timezone

    from targets import services as target_services

    start = timezone.localdate() - dt.timedelta(days=40)
    target_services.ramp_plan_create(
        by=company.manager_a,
        rep=company.rep_a2,
        start_date=start,
        checkpoints={
            30: {"visits": 120},
            60: {"visits": 260, "new_customers": 4},
            90: {"visits": 400, "amount": 90000},
        },
    )
    response = company.client_for(company.manager_a).get(reverse("reports:my_team"), HTTP_ACCEPT_LANGUAGE="en")
    plans = response.context["ramp_plans"]
    assert [(plan.rep.username, [c.day for c in progress]) for plan, progress in plans] == [("rep_a2", [30, 60, 90])]
    assert plans[0][1][0].is_due and not plans[0][1][1].is_due
    assert "30/60/90-day checkpoints" in response.content.decode()
    other = company.client_for(company.manager_b).get(reverse("reports:my_team"))
    assert other.context["ramp_plans"] == []


def test_my_day_shows_the_reps_own_checkpoints_only(company, computed) -> None:
    import datetime as dt

    from django.utils import timezone

    from targets import services as target_services

    for rep in (company.rep_a, company.rep_a2):
        target_services.ramp_plan_create(
            by=company.manager_a,
            rep=rep,
            start_date=timezone.localdate() - dt.timedelta(days=10),
            checkpoints={30: {"visits": 100}, 60: {"visits": 200}, 90: {"visits": 300}},
        )
    response = company.client_for(company.rep_a).get(reverse("reports:my_day"))
    assert [plan.rep.username for plan, _progress in response.context["ramp_plans"]] == ["rep_a"]
    assert 'data-testid="ramp-checkpoints"' in response.content.decode()


def _february_night(company, metric, as_of, actual, run_rate, seasonal, last_year, team=None) -> None:
    from reports.models import NightlyRun, ProgressSnapshot

    now = timezone.now()
    NightlyRun.objects.create(as_of=as_of, status=NightlyRun.Status.FINISHED, started_at=now, finished_at=now)
    ProgressSnapshot.objects.create(
        team=team or company.team_a,
        rep=None if team else company.rep_a,
        owner_key=f"team:{team.pk}" if team else f"rep:{company.rep_a.pk}",
        as_of=as_of,
        metric=metric,
        period_kind="month",
        period_start=dt.date(2026, 2, 1),
        period_end=dt.date(2026, 2, 28),
        target=D("80000"),
        actual=D(actual),
        status="ahead",
        forecast=run_rate and D(run_rate),
        forecast_seasonal=seasonal and D(seasonal),
        forecast_last_year=last_year and D(last_year),
        computed_at=timezone.now(),
    )


@pytest.mark.parametrize("role", ["rep_a", "manager_a", "director"])
def test_the_drill_down_shows_three_forecasts_and_their_error_in_ended_months(company, computed, role) -> None:
    metric = computed["metric"]
    # February: forecasts on the 10th and the 20th, final actual 100,000 on the 28th (its own forecasts do
    # not count). Run rate: |80−100| and |90−100| → 15 %; seasonal: 5 % and 0 % → 2.5 %; last year: only
    # the 10th, 10 %.
    _february_night(company, metric, dt.date(2026, 2, 10), "30000", "80000", "95000", "110000")
    _february_night(company, metric, dt.date(2026, 2, 20), "60000", "90000", "100000", None)
    _february_night(company, metric, dt.date(2026, 2, 28), "100000", "100000", "100000", "100000")
    ReportSettings.objects.update_or_create(pk=1, defaults={"forecast_method": ForecastMethod.SEASONAL})
    response = company.client_for(getattr(company, role)).get(reverse("reports:rep", args=[company.rep_a.pk]))
    assert response.status_code == 200
    errors = {
        error.method: (error.mape, error.count, error.is_default) for error, _value in response.context["forecasts"]
    }
    assert errors == {
        "forecast": (D("15.00"), 2, False),
        "forecast_seasonal": (D("2.50"), 2, True),
        "forecast_last_year": (D("10.00"), 1, False),
    }
    values = {error.method: value for error, value in response.context["forecasts"]}
    # March as of the 16th (see the nightly job's example): run rate 180,000; seasonal 90,000 ÷ 0.5.
    assert values["forecast"] == D("180000.00")
    assert values["forecast_seasonal"] == D("180000.00")
    assert values["forecast_last_year"] is None  # no sales last year
    html = response.content.decode()
    assert 'data-testid="forecast-note"' in html and str(ForecastMethod.SEASONAL.label) in html


def test_a_manager_of_another_team_sees_no_forecast_errors_of_a_rep(company, computed) -> None:
    assert company.client_for(company.manager_b).get(reverse("reports:rep", args=[company.rep_a.pk])).status_code == 404


def test_the_admin_shows_each_methods_error_beside_the_default_method(company, computed, admin_client) -> None:
    root = company.team_a.parent.parent
    assert root.parent is None
    metric = computed["metric"]
    # The company's February: run rate 120 → 20 %, seasonal 104 → 4 %, final actual 100.
    _february_night(company, metric, dt.date(2026, 2, 10), "40000", "120000", "104000", None, team=root)
    _february_night(company, metric, dt.date(2026, 2, 28), "100000", "100000", "100000", None, team=root)
    html = admin_client.get(reverse("admin:reports_reportsettings_change", args=[ReportSettings.load().pk])).content
    html = html.decode()
    assert "forecast_method" in html
    # The page speaks the company's language: the numbers and counts are checked, not the words.
    assert "20.0 % (1 " in html and "4.0 % (1 " in html and "— (0 " in html
