"""The browser pages: the grid and its inline edits, detail, a rep's own targets, scoping, Excel."""

from __future__ import annotations

import io
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from openpyxl import Workbook, load_workbook

from targets import services
from targets.models import Target
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def team_target(sales_team, sales) -> Target:
    return services.target_create(
        by=sales_team.manager, metric=sales, fiscal_year=2026, annual_value="120000", team=sales_team.team
    )


def grid_url(sales_team, metric="sales") -> str:
    return f"/targets/?team={sales_team.team.pk}&year=2026&metric={metric}"


def test_the_grid_runs_a_constant_number_of_queries(sales_team, team_target, django_assert_max_num_queries) -> None:
    client = client_for(sales_team.manager)
    services.target_allocate(by=sales_team.manager, parent=team_target, children=sales_team.reps[:2], method="equal")
    # 22: the rows' waiting changes and the approver's own list are one query each, whatever the rows;
    # 23: the year's calendar source (an estimated year is flagged on the grid).
    with django_assert_max_num_queries(23) as few:
        assert client.get(grid_url(sales_team)).status_code == 200
    services.target_allocate(by=sales_team.manager, parent=team_target, children=sales_team.reps, method="equal")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(grid_url(sales_team))
    assert response.status_code == 200
    assert b"row-rep:" in response.content


def test_an_inline_month_edit_answers_with_the_grid_and_the_remainder(sales_team, team_target) -> None:
    client = client_for(sales_team.manager)
    rep = sales_team.reps[0]
    response = client.post(
        "/targets/cell/",
        {"team": sales_team.team.pk, "year": 2026, "metric": "sales", "owner": f"rep:{rep.pk}", "value": "60000"},
    )
    assert response.status_code == 200
    assert 'data-testid="remainder-year">60,000.00<' in response.content.decode()
    child = Target.objects.get(rep=rep)
    assert child.parent == team_target
    response = client.post(
        "/targets/cell/",
        {
            "team": sales_team.team.pk,
            "year": 2026,
            "metric": "sales",
            "target": child.pk,
            "month": 1,
            "value": "10000",
            "mode": "respread",
            "version": child.version,
        },
    )
    content = response.content.decode()
    assert 'data-testid="remainder-1">0.00<' in content
    # The other 50,000 over Feb..Dec: 4,545.4545… → 4,545.46 for Feb..Jun; the team keeps 10,000 a month.
    assert 'data-testid="remainder-2">5,454.54<' in content
    child.refresh_from_db()
    assert child.annual_value == D("60000.00")


def test_a_bad_cell_shows_a_translated_error_and_stores_nothing(sales_team, team_target) -> None:
    client = client_for(sales_team.manager)
    response = client.post(
        "/targets/cell/",
        {
            "team": sales_team.team.pk,
            "year": 2026,
            "metric": "sales",
            "target": team_target.pk,
            "month": 0,
            "value": "-5",
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert 'data-testid="grid-error"' in response.content.decode()
    team_target.refresh_from_db()
    assert team_target.annual_value == D("120000.00")


def test_a_manager_cannot_open_another_teams_grid_or_target(sales_team, team_target) -> None:
    client = client_for(sales_team.outsider_manager)
    assert client.get(grid_url(sales_team)).status_code == 404
    assert client.get(f"/targets/{team_target.pk}/").status_code == 404


def test_a_rep_cannot_open_the_grid(sales_team) -> None:
    assert client_for(sales_team.reps[0]).get("/targets/").status_code == 403


def test_the_detail_page_shows_the_history_and_approves(sales_team, team_target) -> None:
    client = client_for(sales_team.regional_manager)
    page = client.get(f"/targets/{team_target.pk}/").content.decode()
    assert 'data-testid="approve"' in page
    client.post(f"/targets/{team_target.pk}/approve/")
    # The approver's own change applies at once, its reason in the history.
    services.target_set_annual(
        by=sales_team.regional_manager, target=team_target, annual_value="130000", reason="Big order"
    )
    page = client.get(f"/targets/{team_target.pk}/").content.decode()
    assert "Big order" in page
    assert 'data-testid="approve"' not in page


def test_a_rep_sees_and_acknowledges_only_their_own_targets(sales_team, team_target) -> None:
    rep, other = sales_team.reps[0], sales_team.reps[1]
    mine, theirs = services.target_allocate(
        by=sales_team.manager, parent=team_target, children=[rep, other], method="equal"
    )
    services.target_approve(by=sales_team.manager, target=mine)
    client = client_for(rep)
    page = client.get("/targets/mine/").content.decode()
    assert 'data-testid="acknowledge-sales"' in page
    assert client.get(f"/targets/{theirs.pk}/").status_code == 404
    assert client.post(f"/targets/{theirs.pk}/acknowledge/").status_code == 404
    client.post(f"/targets/{mine.pk}/acknowledge/", {"next": "/targets/mine/"})
    mine.refresh_from_db()
    assert mine.acknowledged_at is not None


def test_export_then_import_round_trips(sales_team, team_target) -> None:
    client = client_for(sales_team.manager)
    services.target_allocate(by=sales_team.manager, parent=team_target, children=sales_team.reps, method="equal")
    response = client.get(f"/targets/export/?team={sales_team.team.pk}&year=2026&metric=sales")
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.active
    assert sheet["A2"].value == "sh1"
    assert sheet["C2"].value == D("10000.00") or sheet["C2"].value == 10000
    # Reps come in name order (pinyin of the family name), so find the first rep's row.
    row = next(r for r in range(3, sheet.max_row + 1) if sheet[f"A{r}"].value == "sh_rep1")
    sheet[f"C{row}"] = 9000
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "targets.xlsx"
    preview = client.post(
        "/targets/import/", {"team": sales_team.team.pk, "year": 2026, "metric": "sales", "file": buffer}
    )
    assert preview.status_code == 200, preview.content.decode()
    token = preview.context["token"]
    client.post("/targets/import/apply/", {"token": token})
    rep_target = Target.objects.get(rep=sales_team.reps[0])
    assert rep_target.periods.get(month=1).value == D("9000.00")


def test_an_import_with_errors_lists_them_and_applies_nothing(sales_team, team_target) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Code", "Owner", *range(1, 13)])
    sheet.append(["sh_rep1", "", *([1000] * 12)])
    sheet.append(["sh_rep2", "", "lots", *([1000] * 10), -3])
    sheet.append(["nobody", "", *([1000] * 12)])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "bad.xlsx"
    client = client_for(sales_team.manager)
    response = client.post(
        "/targets/import/",
        {"team": sales_team.team.pk, "year": 2026, "metric": "sales", "file": buffer},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    errors = [(e["row"], e["column"]) for e in response.context["result"].errors]
    assert errors == [(3, "C"), (3, "N"), (4, "A")]
    assert "token" not in response.context
    assert Target.objects.count() == 1


def test_choosing_a_profile_in_the_grid_re_spreads_the_row(sales_team, team_target) -> None:
    from targets.models import DistributionProfile

    working_days = DistributionProfile.objects.get(kind="working_days")
    response = client_for(sales_team.manager).post(
        f"/targets/{team_target.pk}/profile/",
        {"profile": working_days.pk, "team": sales_team.team.pk, "year": 2026, "metric": "sales"},
    )
    assert response.status_code == 200
    team_target.refresh_from_db()
    assert team_target.profile == working_days
    # 120,000 × 16 / 248 working days in February 2026.
    assert team_target.periods.get(month=2).value == D("7741.94")


def test_applying_an_import_is_all_or_nothing(sales_team, team_target) -> None:
    rep1, rep2 = sales_team.reps[:2]
    first, second = services.target_allocate(
        by=sales_team.manager, parent=team_target, children=[rep1, rep2], method="equal"
    )
    services.target_approve(by=sales_team.manager, target=second)
    with pytest.raises(ValidationError) as error:
        services.target_import_apply(
            by=sales_team.manager,
            team=sales_team.team,
            fiscal_year=2026,
            metric=team_target.metric,
            rows=[(rep1.username, ["1"] * 12), (rep2.username, ["2"] * 12)],
        )
    assert "reason" in error.value.message_dict
    first.refresh_from_db()
    assert first.annual_value == D("60000.00")


def test_the_manager_approves_every_allocated_draft_at_once(sales_team, team_target) -> None:
    services.target_allocate(by=sales_team.manager, parent=team_target, children=sales_team.reps, method="equal")
    response = client_for(sales_team.manager).post(f"/targets/{team_target.pk}/approve-allocated/")
    assert response.status_code == 302
    assert Target.objects.filter(rep__isnull=False, status="approved").count() == 4
    team_target.refresh_from_db()
    assert team_target.status == "draft"  # the team's own target waits for the manager above


def test_a_directors_grid_lists_child_teams_with_a_link_down(sales_team) -> None:
    page = client_for(sales_team.director).get(f"/targets/?team={sales_team.region.pk}&year=2026").content.decode()
    assert f'data-testid="open-team:{sales_team.team.pk}"' in page
    assert f'data-testid="row-team:{sales_team.outsider_team.pk}"' in page
