from __future__ import annotations

import pytest

from tests.factories import CustomerFactory, MembershipFactory, ProductFactory
from visits import demo
from visits.models import OrderLine, SaleRecord, Visit, VisitSheet

pytestmark = pytest.mark.django_db


def test_the_demo_fills_the_year_and_a_second_run_adds_nothing(company) -> None:
    reps = [(company.rep_a, company.team_a), (company.rep_b, company.team_b)]
    for rep, team in reps:
        for n in range(6):
            CustomerFactory(team=team, owner=rep, tier="ABC"[n % 3])
    MembershipFactory(user=company.manager_a, team=company.team_a, role="manager")
    context = {"reps": reps, "products": [ProductFactory(), ProductFactory()]}

    demo.seed(context)
    counts = (VisitSheet.objects.count(), Visit.objects.count(), SaleRecord.objects.count())
    assert counts[0] > 0 and counts[1] > counts[0]
    assert OrderLine.objects.filter(sale_record__isnull=True).count() == 0
    assert SaleRecord.objects.filter(source="visit").count() == counts[2]

    demo.seed(context)
    assert (VisitSheet.objects.count(), Visit.objects.count(), SaleRecord.objects.count()) == counts
