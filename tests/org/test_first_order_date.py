"""A customer's first order date comes from its first order (a visit's order line, an ERP sale) or from a manager's
correction with a reason; a rep cannot set it in the API or on the page, so the night counts only real new customers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from org.models import AuditEvent, Customer
from reports.models import PeriodKind, ProgressSnapshot
from reports.night.run import night_compute
from targets.models import Metric
from tests.factories import CustomerFactory, ProductFactory
from tests.reports.factories import make_target
from tests.visits.factories import VisitFactory, VisitSheetFactory
from visits.services import rep_day

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 3, 16)
OLD = dt.date(2024, 5, 1)


def api_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.default_format = "json"  # the API's bodies are JSON
    client.force_authenticate(user)
    return client


@pytest.fixture
def old_customer(company) -> Customer:
    return CustomerFactory(team=company.team_a, owner=company.rep_a, first_order_date=OLD)


def test_a_reps_api_patch_leaves_the_first_order_date(company, old_customer) -> None:
    response = api_for(company.rep_a).patch(
        f"/api/v1/customers/{old_customer.pk}/", {"first_order_date": "2026-03-10", "phone": "13800000000"}
    )
    assert response.status_code == 200
    old_customer.refresh_from_db()
    assert (old_customer.first_order_date, old_customer.phone) == (OLD, "13800000000")
    assert response.json()["first_order_date"] == OLD.isoformat()


def test_a_rep_creating_a_customer_cannot_give_it_a_first_order_date(company) -> None:
    response = api_for(company.rep_a).post(
        "/api/v1/customers/",
        {
            "code": "N-1",
            "name": "New Shop",
            "kind": "outlet",
            "tier": "C",
            "team": company.team_a.pk,
            "first_order_date": "2026-03-10",
            "first_order_date_reason": "mine",
        },
        format="json",
    )
    assert response.status_code == 201
    assert Customer.objects.get(code="N-1").first_order_date is None


def test_a_reps_page_post_leaves_the_first_order_date_and_shows_it_read_only(company, old_customer) -> None:
    client = company.client_for(company.rep_a)
    page = client.get(reverse("org:customer_edit", args=[old_customer.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="first_order_date"' not in page and 'data-testid="first-order-date"' in page
    form = {
        "name": old_customer.name,
        "code": old_customer.code,
        "kind": old_customer.kind,
        "tier": old_customer.tier,
        "team": company.team_a.pk,
        "first_order_date": "2026-03-10",
        "first_order_date_reason": "mine",
    }
    assert client.post(reverse("org:customer_edit", args=[old_customer.pk]), form).status_code == 302
    old_customer.refresh_from_db()
    assert old_customer.first_order_date == OLD
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.FIRST_ORDER_SET).exists()


def test_a_manager_corrects_the_date_only_with_a_reason_kept_in_the_audit_log(company, old_customer) -> None:
    client = api_for(company.manager_a)
    url = f"/api/v1/customers/{old_customer.pk}/"
    refused = client.patch(url, {"first_order_date": "2024-04-02", "phone": "13900000000"})
    assert refused.status_code == 400
    assert "first_order_date_reason" in refused.json()
    old_customer.refresh_from_db()
    assert (old_customer.first_order_date, old_customer.phone) != (dt.date(2024, 4, 2), "13900000000")  # nothing stored

    done = client.patch(url, {"first_order_date": "2024-04-02", "first_order_date_reason": "ERP shows an April order"})
    assert done.status_code == 200
    old_customer.refresh_from_db()
    assert old_customer.first_order_date == dt.date(2024, 4, 2)
    event = AuditEvent.objects.get(action=AuditEvent.Action.FIRST_ORDER_SET)
    assert event.actor_username == "manager_a" and "ERP shows an April order" in event.summary
    assert "2024-05-01" in event.summary and "2024-04-02" in event.summary


def test_a_manager_on_the_page_needs_a_reason_too(company, old_customer) -> None:
    client = company.client_for(company.manager_a)
    form = {
        "name": old_customer.name,
        "code": old_customer.code,
        "kind": old_customer.kind,
        "tier": old_customer.tier,
        "team": company.team_a.pk,
        "owner": company.rep_a.pk,
        "first_order_date": "2024-04-02",
    }
    refused = client.post(reverse("org:customer_edit", args=[old_customer.pk]), form, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400
    assert 'data-field-error="first_order_date_reason"' in refused.content.decode()
    old_customer.refresh_from_db()
    assert old_customer.first_order_date == OLD
    form["first_order_date_reason"] = "补录老客户"
    assert client.post(reverse("org:customer_edit", args=[old_customer.pk]), form).status_code == 302
    old_customer.refresh_from_db()
    assert old_customer.first_order_date == dt.date(2024, 4, 2)


def test_a_manager_of_another_team_cannot_correct_it(company, old_customer) -> None:
    response = api_for(company.manager_b).patch(
        f"/api/v1/customers/{old_customer.pk}/", {"first_order_date": "2024-04-02", "first_order_date_reason": "x"}
    )
    assert response.status_code == 404
    old_customer.refresh_from_db()
    assert old_customer.first_order_date == OLD


def new_customers_of(rep, metric: Metric) -> Decimal:
    night_compute(as_of=AS_OF)
    row = ProgressSnapshot.objects.get(as_of=AS_OF, rep=rep, metric=metric, period_kind=PeriodKind.MONTH)
    return row.actual


def test_the_night_counts_new_customers_only_from_real_first_orders(company, old_customer) -> None:
    metric, _created = Metric.objects.get_or_create(
        code="new_customers",
        defaults={"name": "New customers", "unit": Metric.Unit.COUNT, "actual_kind": Metric.ActualKind.NEW_CUSTOMERS},
    )
    make_target(company.team_a, company.rep_a, metric, {3: "5"})
    rep = api_for(company.rep_a)
    for n in range(3):
        rep.post(
            "/api/v1/customers/",
            {
                "code": f"N-{n}",
                "name": f"Shop {n}",
                "kind": "distributor",
                "tier": "C",
                "team": company.team_a.pk,
                "first_order_date": "2026-03-10",
            },
            format="json",
        )
    rep.patch(f"/api/v1/customers/{old_customer.pk}/", {"first_order_date": "2026-03-12"})
    assert new_customers_of(company.rep_a, metric) == 0

    shop = Customer.objects.get(code="N-1")
    sheet = VisitSheetFactory(rep=company.rep_a, team=company.team_a, date=dt.date(2026, 3, 14))
    visit = VisitFactory(sheet=sheet, customer=shop, check_in_at=timezone.now())
    rep_day.order_line_add(by=company.rep_a, visit=visit, product=ProductFactory(), quantity=2)
    shop.refresh_from_db()
    assert shop.first_order_date == dt.date(2026, 3, 14)
    assert new_customers_of(company.rep_a, metric) == 1
