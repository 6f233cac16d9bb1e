"""Overdue customers: the coverage page and the nightly count follow the one tier → frequency mapping."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import CustomerFactory
from tests.visits.conftest import TODAY, local
from tests.visits.factories import VisitFactory, VisitSheetFactory
from visits.models import VisitSettings
from visits.selectors import customer_coverage_for, overdue_customer_counts

pytestmark = pytest.mark.django_db


def test_the_page_and_the_night_call_the_same_customers_overdue_at_each_tier_boundary(company, clock) -> None:
    rules = VisitSettings.load()
    rules.frequency_a_days, rules.frequency_b_days, rules.frequency_c_days = 3, 10, 40
    rules.save()
    expected_overdue = set()
    for tier in "ABC":
        every = rules.frequency_days(tier)
        for age in (every, every + 1, None):  # last visited on the due day, a day late, never
            customer = CustomerFactory(code=f"{tier}{age}", team=company.team_a, owner=company.rep_a, tier=tier)
            if age is None:
                expected_overdue.add(customer.code)
                continue
            day = TODAY - dt.timedelta(days=age)
            sheet = VisitSheetFactory(rep=company.rep_a, team=company.team_a, date=day)
            VisitFactory(sheet=sheet, customer=customer, check_in_at=local(day, 9))
            if age > every:
                expected_overdue.add(customer.code)

    rows = customer_coverage_for(user=company.rep_a, today=TODAY)
    on_page = {row.customer.code for row in rows if row.is_overdue}
    at_night = overdue_customer_counts(TODAY, [company.team_a.pk])

    assert on_page == expected_overdue
    assert at_night == {(company.team_a.pk, company.rep_a.pk): len(expected_overdue)}
