"""The as-of picker of the daily report, the drill-down and the scorecard: periods, previous/next, closed months."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from reports import periods
from reports import services as report_services
from reports.models import NightlyRun, PeriodKind
from reports.night.run import night_compute
from tests.factories import CustomerFactory, ProductFactory
from tests.reports.factories import make_sale

D = dt.date


@pytest.mark.parametrize(
    ("kind", "as_of", "previous", "latest", "following"),
    [
        (PeriodKind.MONTH, D(2026, 12, 3), D(2026, 11, 30), D(2026, 12, 3), None),
        (PeriodKind.MONTH, D(2026, 10, 31), D(2026, 9, 30), D(2026, 12, 3), D(2026, 11, 30)),
        (PeriodKind.MONTH, D(2026, 11, 30), D(2026, 10, 31), D(2026, 12, 3), D(2026, 12, 3)),
        (PeriodKind.MONTH, D(2026, 3, 15), D(2026, 2, 28), D(2026, 12, 3), D(2026, 4, 30)),
        (PeriodKind.WEEK, D(2026, 12, 3), D(2026, 11, 29), D(2026, 12, 3), None),  # Thursday → the Sunday before
        (PeriodKind.WEEK, D(2026, 1, 2), D(2025, 12, 31), D(2026, 12, 3), D(2026, 1, 11)),  # the week cut to the year
        (PeriodKind.DAY, D(2026, 12, 3), D(2026, 12, 2), D(2026, 12, 3), None),
        (PeriodKind.QUARTER, D(2026, 12, 3), D(2026, 9, 30), D(2026, 12, 3), None),
        (PeriodKind.QUARTER, D(2026, 5, 1), D(2026, 3, 31), D(2026, 12, 3), D(2026, 9, 30)),
        (PeriodKind.YEAR, D(2026, 12, 3), D(2025, 12, 31), D(2026, 12, 3), None),
        (PeriodKind.YEAR, D(2025, 6, 1), D(2024, 12, 31), D(2026, 12, 3), D(2026, 12, 3)),
    ],
)
def test_previous_and_next_land_on_the_last_day_of_a_period(kind, as_of, previous, latest, following) -> None:
    assert periods.previous_as_of(kind, as_of) == previous
    assert periods.next_as_of(kind, as_of, latest=latest) == following


@pytest.mark.parametrize(
    ("language", "kind", "as_of", "expected"),
    [
        ("zh-hans", PeriodKind.MONTH, D(2026, 11, 30), "11月 · 截至 11-30"),
        ("en", PeriodKind.MONTH, D(2026, 11, 30), "Nov · to 11-30"),
        ("zh-hans", PeriodKind.YEAR, D(2026, 11, 30), "2026年 · 截至 11-30"),
        ("zh-hans", PeriodKind.QUARTER, D(2026, 11, 30), "2026年第4季度 · 截至 11-30"),
        ("en", PeriodKind.QUARTER, D(2026, 11, 30), "2026 Q4 · to 11-30"),
        ("zh-hans", PeriodKind.WEEK, D(2026, 11, 26), "11-23 – 11-29 · 截至 11-26"),
        ("zh-hans", PeriodKind.DAY, D(2026, 11, 30), "11-30 (周一)"),
    ],
)
def test_each_period_is_labelled_with_its_last_day_of_data(language, kind, as_of, expected) -> None:
    start, end = periods.bounds(kind, as_of)
    with translation.override(language):
        assert periods.label(kind, start, end, as_of) == expected


def at(day: dt.date):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 23, 0, tzinfo=ZoneInfo("Asia/Shanghai")))


@pytest.fixture
def two_nights(company, night) -> dict:
    """The nights of 27 February (February's last working day) and 16 March 2026."""
    for day in (D(2026, 2, 27), D(2026, 3, 16)):
        with at(day):
            night_compute(as_of=day)
    return night


def _href(page: str, testid: str) -> str:
    match = re.search(rf'href="([^"]+)" data-testid="{testid}"', page)
    assert match, testid
    return unescape(match.group(1))


@pytest.mark.django_db
def test_the_daily_report_moves_back_a_month_and_forward_again(company, two_nights) -> None:
    client = company.client_for(company.manager_a)
    url = reverse("reports:daily") + f"?team={company.team_a.pk}&metric={two_nights['metric'].pk}"
    with at(D(2026, 3, 17)):
        now = client.get(url)
        assert now.context["report"].as_of == D(2026, 3, 16)
        back = client.get(reverse("reports:daily") + _href(now.content.decode(), "period-previous"))
        forward = client.get(reverse("reports:daily") + _href(back.content.decode(), "period-next"))
    report = back.context["report"]
    assert report.as_of == D(2026, 2, 27) and back.context["picker"]["as_of"] == D(2026, 2, 28)
    rep_a = next(r for r in report.rows if r.snapshot.rep_id == company.rep_a.pk)
    assert (rep_a.snapshot.period_start, rep_a.snapshot.actual) == (D(2026, 2, 1), 50000)
    assert "2月 · 截至 02-27" in back.content.decode()  # the data reach the night of the 27th
    assert forward.context["report"].as_of == D(2026, 3, 16)


@pytest.mark.django_db
def test_the_drill_down_takes_an_as_of_date_and_a_period(company, two_nights) -> None:
    client = company.client_for(company.manager_a)
    page = client.get(reverse("reports:rep", args=[company.rep_a.pk]) + "?as_of=2026-02-28&period=year")
    assert page.status_code == 200
    assert (page.context["snapshot"].as_of, page.context["snapshot"].period_kind) == (D(2026, 2, 27), "year")
    assert page.context["snapshot"].actual == 150000  # January's 100,000 and February's 50,000
    bad = client.get(reverse("reports:rep", args=[company.rep_a.pk]) + "?as_of=28.02.2026")
    assert bad.status_code == 400 and "as_of" in bad.content.decode()


@pytest.mark.django_db
def test_last_months_frozen_scorecard_is_one_click_away(company, two_nights) -> None:
    client = company.client_for(company.director)
    with at(D(2026, 3, 17)):
        closed = report_services.month_close(by=company.director, month=D(2026, 2, 1))
        now = client.get(reverse("reports:scorecard") + f"?team={company.team_a.pk}")
    assert now.context["as_of"] == D(2026, 3, 16) and now.context["closed"] is None
    # A backfill has February's last night open: the closed month still reads its frozen rows.
    NightlyRun.objects.filter(as_of=D(2026, 2, 27)).update(status=NightlyRun.Status.RUNNING)
    with at(D(2026, 3, 17)):
        february = client.get(reverse("reports:scorecard") + _href(now.content.decode(), "period-previous"))
    assert february.context["closed"] == closed and february.context["as_of"] == D(2026, 2, 27)
    rows = {row.rep_id: row for row in february.context["rows"]}
    assert float(rows[company.rep_a.pk].achievement) == pytest.approx(50000 / 80000, abs=1e-6)  # February's own
    page = february.content.decode()
    assert 'data-testid="period-closed"' in page and 'data-testid="month-closed"' in page


@pytest.mark.django_db
def test_the_scorecard_scores_another_period(company, two_nights) -> None:
    client = company.client_for(company.manager_a)
    page = client.get(reverse("reports:scorecard") + f"?team={company.team_a.pk}&period=year&as_of=2026-03-16")
    rows = {row.rep_id: row for row in page.context["rows"]}
    assert float(rows[company.rep_a.pk].achievement) == pytest.approx(240000 / 400000, abs=1e-6)


@pytest.mark.django_db
def test_a_closed_months_daily_report_and_drill_down_keep_the_figures_it_was_closed_with(company, two_nights) -> None:
    """February closed on its night of the 27th. A sale of the 28th and a night of the 28th computed after the
    close, then a backfill opening the 27th again, change nothing that the February pages show."""
    client = company.client_for(company.manager_a)
    metric = two_nights["metric"]
    url = reverse("reports:daily") + f"?team={company.team_a.pk}&metric={metric.pk}&as_of=2026-02-28"
    with at(D(2026, 3, 17)):
        before = client.get(url).context["report"]
        report_services.month_close(by=company.director, month=D(2026, 2, 1))
    shown = {r.snapshot.owner_key: r.snapshot.actual for r in before.rows}
    assert before.as_of == D(2026, 2, 27) and shown[f"rep:{company.rep_a.pk}"] == 50000

    customer = CustomerFactory(team=company.team_a, owner=company.rep_a)
    make_sale(D(2026, 2, 28), company.rep_a, customer, ProductFactory(), 7000)
    with at(D(2026, 3, 17)):
        night_compute(as_of=D(2026, 2, 28))  # a night of the closed month, computed after its close
    assert NightlyRun.objects.get(as_of=D(2026, 2, 28)).status == NightlyRun.Status.FINISHED

    for backfill_open in (False, True):
        if backfill_open:
            NightlyRun.objects.filter(as_of=D(2026, 2, 27)).update(status=NightlyRun.Status.RUNNING)
        with at(D(2026, 3, 17)):
            report = client.get(url).context["report"]
            drill = client.get(
                reverse("reports:rep", args=[company.rep_a.pk]) + f"?as_of=2026-02-28&metric={metric.pk}"
            )
        assert report.as_of == D(2026, 2, 27)
        assert {r.snapshot.owner_key: r.snapshot.actual for r in report.rows} == shown
        assert drill.status_code == 200 and drill.context["snapshot"].actual == 50000
