"""Names and codes people typed reach the targets grid's .xlsx as text, never as formulas; the grid's own quarter
and year sums stay formulas."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from targets import services
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_formula_looking_names_and_codes_are_exported_as_text(sales_team, sales) -> None:
    rep = sales_team.reps[0]
    rep.first_name, rep.last_name = '=HYPERLINK("http://x","点我")', ""
    rep.save()
    sales_team.team.name = "+cmd|' /C calc'!A0"
    sales_team.team.save()
    parent = services.target_create(
        by=sales_team.manager, metric=sales, fiscal_year=2026, annual_value="120000", team=sales_team.team
    )
    services.target_allocate(by=sales_team.manager, parent=parent, children=[rep], method="equal")
    client = Client()
    assert client.login(username=sales_team.manager.username, password=PASSWORD)
    response = client.get(f"/targets/export/?team={sales_team.team.pk}&year=2026&metric=sales")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = {sheet.cell(row, 2).value: sheet.cell(row, 2) for row in range(2, sheet.max_row + 1)}
    typed = [cells['=HYPERLINK("http://x","点我")'], cells["+cmd|' /C calc'!A0"]]
    assert all(cell.data_type == "s" for cell in typed)
    assert sheet["O2"].data_type == "f" and sheet["O2"].value.startswith("=SUM(")  # our quarter sum
