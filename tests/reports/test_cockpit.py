"""The director's and manager's home: subtree sums, year-on-year and month-on-month, ranking, today, query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from org.models import Role, Team
from reports import cockpit, cockpit_figures
from reports.models import PeriodKind
from reports.night.run import night_compute
from tests.factories import CustomerFactory, MembershipFactory, ProductFactory, TeamFactory, UserFactory
from tests.reports.factories import make_sale, make_target

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 20)
LAST_MONTH = dt.date(2026, 10, 20)
LAST_YEAR = dt.date(2025, 11, 20)


def at(day: dt.date):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 23, 0, tzinfo=ZoneInfo("Asia/Shanghai")))


@pytest.fixture
def two_regions(company, sales_metric) -> dict:
    """East (team A: rep_a, rep_a2; team B: rep_b) and West (team C: rep_c); sales in Nov 2025, Oct and Nov 2026.

    Worked by hand: November 2026 to the 20th = 30,000 + 20,000 + 40,000 = 90,000 (East 50,000, West 40,000);
    October 2026 to the 20th = 10,000 + 14,000 = 24,000; November 2025 to the 20th = 25,000 + 15,000 = 40,000.
    """
    west = TeamFactory(name="West", code="west", kind=Team.Kind.REGION, parent=company.company)
    team_c = TeamFactory(name="Team C", code="team-c", parent=west)
    rep_c = MembershipFactory(user=UserFactory(username="rep_c"), team=team_c, role=Role.REP).user
    for year in (2025, 2026):
        for team, rep, value in [
            (company.team_a, company.rep_a, "60000"),
            (company.team_a, company.rep_a2, "40000"),
            (company.team_b, company.rep_b, "50000"),
            (team_c, rep_c, "80000"),
        ]:
            make_target(team, rep, sales_metric, {10: value, 11: value}, year=year)
        make_target(company.team_a, None, sales_metric, {10: "100000", 11: "100000"}, year=year)
        make_target(company.team_b, None, sales_metric, {10: "50000", 11: "50000"}, year=year)
        make_target(team_c, None, sales_metric, {10: "80000", 11: "80000"}, year=year)
        make_target(company.region, None, sales_metric, {10: "150000", 11: "150000"}, year=year)
        make_target(west, None, sales_metric, {10: "80000", 11: "80000"}, year=year)
    product = ProductFactory()
    customer = {
        rep: CustomerFactory(team=team, owner=rep)
        for team, rep in [
            (company.team_a, company.rep_a),
            (company.team_a, company.rep_a2),
            (company.team_b, company.rep_b),
            (team_c, rep_c),
        ]
    }
    for day, rep, amount in [
        (dt.date(2025, 11, 6), company.rep_a, "25000"),
        (dt.date(2025, 11, 19), rep_c, "15000"),
        (dt.date(2026, 10, 3), company.rep_a, "10000"),
        (dt.date(2026, 10, 15), rep_c, "14000"),
        (dt.date(2026, 10, 25), rep_c, "77777"),  # after the 20th: not in October's month-to-date
        (dt.date(2026, 11, 5), company.rep_a, "30000"),
        (dt.date(2026, 11, 10), company.rep_b, "20000"),
        (dt.date(2026, 11, 12), rep_c, "40000"),
    ]:
        make_sale(day, rep, customer[rep], product, D(amount))
    for day in (LAST_YEAR, LAST_MONTH, AS_OF):
        with at(day):
            night_compute(as_of=day)
    return {"west": west, "team_c": team_c, "rep_c": rep_c, "metric": sales_metric}


def tile(tiles, kind: str) -> cockpit_figures.Tile:
    return next(t for t in tiles if t.period_kind == kind and t.metric.code == "sales")


def test_a_directors_home_is_the_sum_of_its_regions_to_the_fen(company, two_regions) -> None:
    home = cockpit.cockpit(user=company.director, team=None, as_of=AS_OF)
    assert home["unit"].teams == [company.company]  # the company has no target: its regions are summed
    regions = [
        cockpit.cockpit(user=company.director, team=region, as_of=AS_OF)
        for region in (company.region, two_regions["west"])
    ]
    for kind in (PeriodKind.MONTH, PeriodKind.YEAR):
        total = tile(home["tiles"], kind).figure
        parts = [tile(region["tiles"], kind).figure for region in regions]
        assert total.actual == sum(p.actual for p in parts)
        assert total.target == sum(p.target for p in parts)
        assert total.forecast == sum(p.forecast for p in parts)
    month = tile(home["tiles"], PeriodKind.MONTH).figure
    assert (month.actual, month.target) == (D("90000.00"), D("230000.00"))
    assert month.achievement == D("0.391304")  # 90,000 / 230,000


def test_the_year_to_date_counts_all_of_october(company, two_regions) -> None:
    home = cockpit.cockpit(user=company.director, team=None, as_of=AS_OF)
    # October in full (24,000 + 77,777 on the 25th) and November to the 20th.
    assert tile(home["tiles"], PeriodKind.YEAR).figure.actual == D("191777.00")


def test_the_tiles_compare_with_last_year_and_last_month(company, two_regions) -> None:
    home = cockpit.cockpit(user=company.director, team=None, as_of=AS_OF)
    month, year = tile(home["tiles"], PeriodKind.MONTH), tile(home["tiles"], PeriodKind.YEAR)
    assert (month.last_year.night, month.last_month.night) == (LAST_YEAR, LAST_MONTH)
    assert month.last_year.actual == D("40000.00") and month.last_month.actual == D("24000.00")
    assert month.change_last_year == D("1.25")  # (90,000 − 40,000) / 40,000
    assert month.change_last_month == D("2.75")  # (90,000 − 24,000) / 24,000
    assert year.last_year.actual == D("40000.00")  # 2025 to 20 November
    assert year.change_last_year == (D("191777") - D("40000")) / D("40000")
    assert year.last_month.actual == D("24000.00")  # 2026 to 20 October


def test_every_figure_says_which_period_it_covers(company, two_regions) -> None:
    page = company.client_for(company.director).get(reverse("reports:cockpit"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = page.content.decode()
    assert "11月 · 截至 11-20" in text and "2026年 · 截至 11-20" in text
    english = company.client_for(company.director).get(reverse("reports:cockpit"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Nov · to 11-20" in english.content.decode()


def test_the_ranking_goes_down_region_team_rep(company, two_regions) -> None:
    client = company.client_for(company.director)
    top = client.get(reverse("reports:cockpit"))
    assert [r.name for r in top.context["ranking"]] == ["West", "East"]  # 40,000/80,000 vs 50,000/150,000
    assert top.context["ranking"][1].month.actual == D("50000.00")
    region = client.get(reverse("reports:cockpit") + f"?team={company.region.pk}")
    assert region.context["ranking_of"] == "teams"
    assert [r.name for r in region.context["ranking"]] == ["Team B", "Team A"]  # 40 % vs 30 %
    assert [c.name for c in region.context["unit"].crumbs] == ["Company"]
    team = client.get(reverse("reports:cockpit") + f"?team={company.team_a.pk}")
    assert team.context["ranking_of"] == "reps"
    assert [c.name for c in team.context["unit"].crumbs] == ["Company", "East"]
    assert {r.rep_id for r in team.context["ranking"]} == {company.rep_a.pk, company.rep_a2.pk}
    assert f'href="/reports/reps/{company.rep_a.pk}/' in team.content.decode()


def test_the_heat_table_and_burn_up_read_each_months_last_night(company, two_regions) -> None:
    home = cockpit.cockpit(user=company.director, team=None, as_of=AS_OF)
    assert len(home["heat"]["months"]) == 2  # the nights of 2026: October's and November's
    east = next(r for r in home["heat"]["rows"] if r.name == "East")
    assert [c.actual for c in east.cells] == [D("10000.00"), D("50000.00")]
    assert [c.achievement for c in east.cells] == [D("0.066667"), D("0.333333")]
    burn = home["charts"]["burnUp"]
    # October as its last night (the 20th) saw the year; November through the 20th; December not yet.
    assert burn["actual"][9:] == [24000.0, 191777.0, None]
    assert burn["plan"][9:] == [230000.0, 460000.0, 460000.0]


def test_a_manager_sees_only_their_team_and_a_rep_cannot_open_the_home(company, two_regions) -> None:
    manager = company.client_for(company.manager_a).get(reverse("reports:cockpit"))
    assert manager.context["unit"].teams == [company.team_a]
    assert manager.context["ranking_of"] == "reps"
    month = tile(manager.context["tiles"], PeriodKind.MONTH).figure
    assert month.actual == D("30000.00") and month.target == D("100000.00")
    assert (
        company.client_for(company.manager_a)
        .get(reverse("reports:cockpit") + f"?team={two_regions['team_c'].pk}")
        .status_code
        == 404
    )
    assert company.client_for(company.rep_a).get(reverse("reports:cockpit")).status_code == 403
    assert company.client_for(company.manager_a).get(reverse("home")).url == reverse("reports:cockpit")


def test_a_manager_of_two_teams_sees_both_summed(company, two_regions) -> None:
    MembershipFactory(user=company.manager_a, team=two_regions["team_c"], role=Role.MANAGER)
    home = cockpit.cockpit(user=company.manager_a, team=None, as_of=AS_OF)
    assert {t.pk for t in home["unit"].teams} == {company.team_a.pk, two_regions["team_c"].pk}
    assert tile(home["tiles"], PeriodKind.MONTH).figure.actual == D("70000.00")  # 30,000 + 40,000
    assert home["ranking_of"] == "teams" and len(home["ranking"]) == 2


def test_today_counts_missing_sheets_problems_and_meetings_over_the_subtree(company, two_regions) -> None:
    from meetings.models import Problem

    now = dt.datetime(2026, 11, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    for team, owner, age, due in [
        (company.team_a, company.rep_a, 0, dt.date(2026, 11, 25)),
        (company.team_b, company.rep_b, 5, dt.date(2026, 11, 18)),
        (two_regions["team_c"], two_regions["rep_c"], 10, dt.date(2026, 11, 30)),
    ]:
        Problem.objects.create(
            team=team,
            raised_by=company.director,
            owner=owner,
            description="x",
            due_date=due,
            created_at=now - dt.timedelta(days=age),
        )
    with time_machine.travel(now):
        today = cockpit.cockpit_today(user=company.director, unit=cockpit.Unit(teams=[company.company]))
        east = cockpit.cockpit_today(user=company.director, unit=cockpit.Unit(teams=[company.region]))
    assert len(today["missing_sheets"]) == 4  # a Friday, nobody filed
    assert len(east["missing_sheets"]) == 3
    assert [a["count"] for a in today["problem_ages"]] == [1, 0, 1, 1]
    assert (today["problems_total"], today["problems_overdue"]) == (3, 1)
    assert east["problems_total"] == 2


def _grow(company, sales_metric, count: int) -> None:
    """``count`` teams of one rep each, under the region, each with a target and a sale."""
    product = ProductFactory()
    for index in range(count):
        team = TeamFactory(parent=company.region, name=f"T{index:02d}")
        rep = MembershipFactory(team=team, role=Role.REP).user
        make_target(team, rep, sales_metric, {11: "1000"})
        make_target(team, None, sales_metric, {11: "1000"})
        make_sale(dt.date(2026, 11, 3), rep, CustomerFactory(team=team, owner=rep), product, D("500"))


@pytest.mark.parametrize("path", ["", "?team=region"])
def test_the_homes_queries_do_not_grow_with_the_subtree(company, sales_metric, path) -> None:
    make_target(company.region, None, sales_metric, {11: "100000"})
    client = company.client_for(company.director)
    url = reverse("reports:cockpit") + path.replace("region", str(company.region.pk))
    counts = []
    for size in (5, 45):  # 5 teams, then 50
        _grow(company, sales_metric, size)
        with at(AS_OF):
            night_compute(as_of=AS_OF)
        client.get(url)  # warm the per-process caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
    assert Team.objects.filter(parent=company.region).count() == 52
    assert counts[0] == counts[1], counts


def test_a_leaf_team_without_a_target_of_its_own_is_the_sum_of_its_reps(company, sales_metric) -> None:
    """Team D's manager set her reps' targets but never the team's: the home, the region's ranking, the heat
    table and the burn-up sum the two reps (target 30,000 + 20,000 a month; sold 12,000 + 3,000 in November)."""
    team_d = TeamFactory(name="Team D", code="team-d", parent=company.region)
    rep_d1 = MembershipFactory(user=UserFactory(username="rep_d1"), team=team_d, role=Role.REP).user
    rep_d2 = MembershipFactory(user=UserFactory(username="rep_d2"), team=team_d, role=Role.REP).user
    manager_d = MembershipFactory(user=UserFactory(username="manager_d"), team=team_d, role=Role.MANAGER).user
    make_target(team_d, rep_d1, sales_metric, {11: "30000"})
    make_target(team_d, rep_d2, sales_metric, {11: "20000"})
    product = ProductFactory()
    make_sale(dt.date(2026, 11, 4), rep_d1, CustomerFactory(team=team_d, owner=rep_d1), product, D("12000"))
    make_sale(dt.date(2026, 11, 9), rep_d2, CustomerFactory(team=team_d, owner=rep_d2), product, D("3000"))
    with at(AS_OF):
        night_compute(as_of=AS_OF)

    home = cockpit.cockpit(user=manager_d, team=None, as_of=AS_OF)
    month = tile(home["tiles"], PeriodKind.MONTH).figure
    assert (month.target, month.actual) == (D("50000.00"), D("15000.00"))
    assert month.achievement == D("0.3")
    assert home["charts"]["burnUp"]["plan"][10] == 50000.0
    assert home["charts"]["burnUp"]["actual"][10] == 15000.0

    region = cockpit.cockpit(user=company.director, team=company.region, as_of=AS_OF)
    row = next(r for r in region["ranking"] if r.name == "Team D")
    assert (row.month.target, row.month.actual) == (D("50000.00"), D("15000.00"))
    heat = next(r for r in region["heat"]["rows"] if r.name == "Team D")
    assert heat.cells[-1].actual == D("15000.00")
    page = company.client_for(manager_d).get(reverse("reports:cockpit")).content.decode()
    tile_target = page.index('data-testid="tile-target"')
    assert "¥50,000.00" in page[tile_target : tile_target + 200]  # the page shows the reps' sum, not "no target"
