"""Closed periods stay closed: a month that has ended keeps its target, its scores freeze at month close."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from org.models import AuditEvent
from reports import scorecards as report_scorecards
from reports import services as report_services
from reports.models import NightlyRun, PeriodKind, ProgressSnapshot
from reports.night.run import night_compute, nights_compute
from targets import selectors, services
from targets.models import ClosedMonth, Metric, NightRecompute, Target, TargetChange
from tests.factories import CustomerFactory, ProductFactory
from tests.reports.factories import make_sale

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 10):
    return time_machine.travel(dt.datetime(year, month, day, hour, 0, tzinfo=SHANGHAI), tick=False)


def months_of(target: Target) -> list[D]:
    return [p.value for p in Target.objects.get(pk=target.pk).periods.order_by("month")]


@pytest.fixture
def company_target(sales_team) -> Target:
    """The team's 2026 sales target, 2,000,000 even: 166,666.67 for January–August, 166,666.66 after."""
    return services.target_create(
        by=sales_team.manager,
        metric=Metric.objects.get(code="sales"),
        fiscal_year=2026,
        annual_value="2000000",
        team=sales_team.team,
    )


def test_a_month_is_closed_once_it_has_ended_in_the_company_zone() -> None:
    # 30 November 23:30 in Shanghai is still November there (15:30 UTC).
    with time_machine.travel(dt.datetime(2026, 11, 30, 15, 30, tzinfo=dt.UTC), tick=False):
        assert selectors.closed_months(2026) == set(range(1, 11))
    with time_machine.travel(dt.datetime(2026, 11, 30, 16, 30, tzinfo=dt.UTC), tick=False):
        assert selectors.closed_months(2026) == set(range(1, 12))
        assert selectors.closed_months(2025) == set(range(1, 13))
        assert selectors.closed_months(2027) == set()


def test_an_annual_change_on_1_december_only_moves_december(sales_team, company_target) -> None:
    before = months_of(company_target)
    assert before[:8] == [D("166666.67")] * 8 and before[8:] == [D("166666.66")] * 4
    with at(2026, 12, 1):
        services.target_set_annual(
            by=sales_team.regional_manager, target=company_target, annual_value="2100000.01", reason="New contract"
        )
    after = months_of(company_target)
    assert after[:11] == before[:11]  # January–November to the fen
    assert after[11] == D("166666.66") + D("100000.01") == D("266666.67")
    assert sum(after) == D("2100000.01") == Target.objects.get(pk=company_target.pk).annual_value


def test_a_cut_after_months_closed_spreads_over_the_open_months_by_the_profile(sales_team, company_target) -> None:
    with at(2026, 10, 15):
        services.target_set_annual(
            by=sales_team.regional_manager, target=company_target, annual_value="1999999.97", reason="Cut"
        )
    after = months_of(company_target)
    assert after[:9] == months_of(company_target)[:9]
    # −0.03 over October–December, even weights: a fen off each.
    assert after[9:] == [D("166666.65")] * 3


def test_a_closed_month_cannot_change_through_the_grid_or_the_api(sales_team, company_target, client) -> None:
    with at(2026, 12, 1):
        with pytest.raises(ValidationError) as error:
            services.target_override_month(by=sales_team.manager, target=company_target, month=6, value="1")
        assert "month_6" in error.value.message_dict
        with pytest.raises(ValidationError):
            services.target_set_months(by=sales_team.manager, target=company_target, values=[D(1)] * 12)
        client.force_login(sales_team.manager)
        response = client.post(
            f"/api/v1/targets/{company_target.pk}/months/", {"month": 11, "value": "5"}, content_type="application/json"
        )
        assert response.status_code == 400
        assert "month_11" in response.json()
    assert months_of(company_target)[5] == D("166666.67")


def test_an_allocation_after_months_closed_keeps_the_childrens_closed_months(sales_team, company_target) -> None:
    rep1, rep2 = sales_team.reps[:2]
    children = services.target_allocate(
        by=sales_team.manager, parent=company_target, children=[rep1, rep2], method="equal"
    )
    services.target_set_months(by=sales_team.manager, target=children[0], values=[D("1000")] * 12, reason="hand")
    with at(2026, 12, 1):
        services.target_allocate(by=sales_team.manager, parent=company_target, children=[rep1, rep2], method="equal")
    mine = months_of(children[0])
    assert mine[:11] == [D("1000")] * 11  # closed: kept as they were
    assert mine[11] == D("83333.33")  # December allocated again: half of 166,666.66


def test_a_directors_reopening_changes_one_closed_month_and_the_night_recomputes_it(sales_team, company_target) -> None:
    with at(2026, 7, 1, 2):
        night_compute(as_of=dt.date(2026, 6, 30))
    june = ProgressSnapshot.objects.get(
        as_of=dt.date(2026, 6, 30), rep__isnull=True, team=sales_team.team, period_kind=PeriodKind.MONTH
    )
    assert june.target == D("166666.67")
    with at(2026, 12, 3):
        with pytest.raises(PermissionDenied):
            services.target_reopen_month(
                by=sales_team.manager, target=company_target, month=6, value="150000", reason="ERP"
            )
        with pytest.raises(ValidationError) as error:
            services.target_reopen_month(by=sales_team.director, target=company_target, month=6, value="1", reason=" ")
        assert "reason" in error.value.message_dict
        services.target_reopen_month(
            by=sales_team.director, target=company_target, month=6, value="150000", reason="Store closed in June"
        )
        after = months_of(company_target)
        assert after[5] == D("150000.00")
        assert after[:5] + after[6:] == [D("166666.67")] * 5 + [D("166666.67")] * 2 + [D("166666.66")] * 4
        assert Target.objects.get(pk=company_target.pk).annual_value == D("1983333.33")
        change = TargetChange.objects.get(target=company_target, field="reopened_month")
        assert (change.month, change.old_value, change.new_value, change.reason) == (
            6,
            "166666.67",
            "150000.00",
            "Store closed in June",
        )
        assert AuditEvent.objects.filter(summary__contains="reopened_month[6]").exists()
        assert list(NightRecompute.objects.values_list("night", flat=True)) == [dt.date(2026, 6, 30)]
        night_compute(as_of=dt.date(2026, 12, 2))
    june.refresh_from_db()
    assert june.target == D("150000.00")
    quarter = ProgressSnapshot.objects.get(
        as_of=dt.date(2026, 6, 30), rep__isnull=True, team=sales_team.team, period_kind=PeriodKind.QUARTER
    )
    assert quarter.target == D("166666.67") * 2 + D("150000.00")
    assert NightRecompute.objects.get().done_at is not None


@pytest.fixture
def november_scores(sales_team):
    """rep 1: 110,000 a month in 2026 and 55,000 sold in November: 50 % on the night of 30 November."""
    rep = sales_team.reps[0]
    services.target_create(
        by=sales_team.manager,
        metric=Metric.objects.get(code="sales"),
        fiscal_year=2026,
        annual_value=None,
        rep=rep,
        months=["110000"] * 12,
    )
    customer = CustomerFactory(team=sales_team.team, owner=rep)
    product = ProductFactory()
    make_sale(dt.date(2026, 11, 10), rep, customer, product, D("55000"))
    with at(2026, 12, 1, 2):
        night_compute(as_of=dt.date(2026, 11, 30))
    return {"rep": rep, "customer": customer, "product": product}


def _november_achievement(user, team) -> D:
    card = report_scorecards.scorecard(
        user=user, team=team, metric=Metric.objects.get(code="sales"), month=dt.date(2026, 11, 1)
    )
    return card["rows"][0].achievement


def test_a_closed_month_keeps_its_scorecard_against_a_later_backfill(sales_team, november_scores) -> None:
    director, team = sales_team.director, sales_team.team
    assert _november_achievement(director, team) == D("0.5")
    with at(2026, 12, 2):
        with pytest.raises(PermissionDenied):
            report_services.month_close(by=sales_team.manager, month=dt.date(2026, 11, 1))
        with pytest.raises(ValidationError):
            report_services.month_close(by=director, month=dt.date(2026, 12, 1))  # not over yet
        closed = report_services.month_close(by=director, month=dt.date(2026, 11, 1))
        assert closed.night == dt.date(2026, 11, 30)
        # A late ERP line for November, then a backfill of the month.
        make_sale(
            dt.date(2026, 11, 20),
            november_scores["rep"],
            november_scores["customer"],
            november_scores["product"],
            D("33000"),
        )
        nights_compute(start=dt.date(2026, 11, 28), end=dt.date(2026, 11, 30))
    assert _november_achievement(director, team) == D("0.5")
    # Even while a backfill has that night open, the closed month reads its frozen rows.
    NightlyRun.objects.filter(as_of=dt.date(2026, 11, 30)).update(status=NightlyRun.Status.RUNNING)
    assert _november_achievement(director, team) == D("0.5")
    NightlyRun.objects.filter(as_of=dt.date(2026, 11, 30)).update(status=NightlyRun.Status.FINISHED)
    card = report_scorecards.scorecard(
        user=director, team=team, metric=Metric.objects.get(code="sales"), month=dt.date(2026, 11, 1)
    )
    assert card["closed"] == closed and card["as_of"] == dt.date(2026, 11, 30)
    with at(2026, 12, 3):
        with pytest.raises(ValidationError) as error:
            report_services.month_reopen(by=director, month=dt.date(2026, 11, 1), reason="")
        assert "reason" in error.value.message_dict
        report_services.month_reopen(by=director, month=dt.date(2026, 11, 1), reason="ERP correction of 20 November")
        night_compute(as_of=dt.date(2026, 12, 2))
    assert _november_achievement(director, team) == D("0.8")  # (55,000 + 33,000) / 110,000
    assert AuditEvent.objects.filter(summary__contains="2026-11 reopened (ERP correction").exists()


def test_a_month_closes_by_itself_five_days_after_its_end(sales_team, november_scores) -> None:
    with at(2026, 12, 4):
        assert report_services.months_close_due() == []
    with at(2026, 12, 5):
        [closed] = report_services.months_close_due()
    assert (closed.month, closed.night, closed.closed_by) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30), None)
    with at(2026, 12, 6):
        report_services.month_reopen(by=sales_team.director, month=dt.date(2026, 11, 1), reason="Recount")
        assert report_services.months_close_due() == []  # a reopened month waits for a director to close it again
    assert not ClosedMonth.objects.get().is_closed


def test_the_director_closes_and_reopens_a_month_from_the_scorecard(sales_team, november_scores) -> None:
    from tests.targets.test_pages import client_for

    director, manager = client_for(sales_team.director), client_for(sales_team.manager)
    url = f"/reports/scorecard/?team={sales_team.team.pk}&month=2026-11"
    with at(2026, 12, 2):
        page = director.get(url).content.decode()
        assert 'data-testid="month-close"' in page and 'data-testid="month-closed"' not in page
        assert 'data-testid="month-close"' not in manager.get(url).content.decode()
        assert manager.post("/reports/months/close/", {"month": "2026-11"}).status_code == 403
        director.post("/reports/months/close/", {"month": "2026-11"})
        page = director.get(url).content.decode()
        assert 'data-testid="month-closed"' in page and 'data-testid="month-reopen"' in page
        director.post("/reports/months/reopen/", {"month": "2026-11", "reason": ""})
        assert ClosedMonth.objects.get().is_closed  # no reason, not reopened
        director.post("/reports/months/reopen/", {"month": "2026-11", "reason": "Recount"})
    assert not ClosedMonth.objects.get().is_closed


def test_the_director_reopens_a_closed_month_on_the_targets_page(sales_team, company_target) -> None:
    from tests.targets.test_pages import client_for

    director = client_for(sales_team.director)
    with at(2026, 12, 3):
        page = director.get(f"/targets/{company_target.pk}/").content.decode()
        assert 'data-testid="reopen-form"' in page
        assert (
            'data-testid="reopen-form"'
            not in client_for(sales_team.manager).get(f"/targets/{company_target.pk}/").content.decode()
        )
        director.post(f"/targets/{company_target.pk}/reopen/", {"month": 3, "value": "100000", "reason": ""})
        assert months_of(company_target)[2] == D("166666.67")
        director.post(f"/targets/{company_target.pk}/reopen/", {"month": 3, "value": "100000", "reason": "Typo"})
    assert months_of(company_target)[2] == D("100000.00")


def test_an_import_preview_refuses_a_change_of_a_closed_month(sales_team, company_target) -> None:
    import io

    from openpyxl import load_workbook

    from tests.targets.test_pages import client_for

    client = client_for(sales_team.manager)
    with at(2026, 12, 3):
        export = client.get(f"/targets/export/?team={sales_team.team.pk}&year=2026&metric=sales")
        book = load_workbook(io.BytesIO(export.content))
        book.active["E2"] = 1  # March
        book.active["N2"] = 1  # December: open, fine
        buffer = io.BytesIO()
        book.save(buffer)
        buffer.seek(0)
        buffer.name = "targets.xlsx"
        preview = client.post(
            "/targets/import/", {"team": sales_team.team.pk, "year": 2026, "metric": "sales", "file": buffer}
        )
    assert preview.status_code == 400
    assert [(e["row"], e["column"]) for e in preview.context["result"].errors] == [(2, "E")]
    assert "token" not in preview.context


def test_a_director_closes_and_reopens_a_month_through_the_api(sales_team, november_scores) -> None:
    from tests.targets.test_pages import client_for

    director, manager = client_for(sales_team.director), client_for(sales_team.manager)
    with at(2026, 12, 2):
        assert manager.post("/api/v1/closed-months/", {"month": "2026-11-01"}, "application/json").status_code == 403
        response = director.post("/api/v1/closed-months/", {"month": "2026-12-01"}, "application/json")
        assert response.status_code == 400 and "month" in response.json()
        response = director.post("/api/v1/closed-months/", {"month": "2026-11-01"}, "application/json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["night"], body["is_closed"], body["closed_by"]) == ("2026-11-30", True, "boss")
        reopen = f"/api/v1/closed-months/{body['id']}/reopen/"
        assert director.post(reopen, {"reason": ""}, "application/json").status_code == 400
        response = director.post(reopen, {"reason": "Recount"}, "application/json")
        assert response.status_code == 200 and response.json()["is_closed"] is False
        # Closed again after the recount.
        assert director.post("/api/v1/closed-months/", {"month": "2026-11-01"}, "application/json").status_code == 201
    assert manager.get("/api/v1/closed-months/").json()["count"] == 1
