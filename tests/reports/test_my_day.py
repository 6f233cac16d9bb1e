"""A rep's home: the next visit with its check-in, today's progress, the month on its first day, folded alerts."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from reports.models import Alert
from reports.night.run import night_compute
from tests.factories import CustomerFactory
from visits.services import rep_day

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOV_30, DEC_1, DEC_2, DEC_3 = dt.date(2026, 11, 30), dt.date(2026, 12, 1), dt.date(2026, 12, 2), dt.date(2026, 12, 3)


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_on_the_first_of_the_month_this_month_is_the_new_month_beside_last_months_final(company, november) -> None:
    night_compute(as_of=NOV_30)
    client = company.client_for(company.rep_a)

    with time_machine.travel(at(DEC_1, 9), tick=False):
        response = client.get(reverse("reports:my_day"), HTTP_ACCEPT_LANGUAGE="en")

    month = response.context["month"]
    assert month.month == DEC_1
    assert month.night is None  # no night of December yet
    [row] = month.rows
    assert row.target == D("44000.00")
    # 1 December is the first of December 2026's 23 working days (Tue 1 … Thu 31, no holiday).
    assert row.time_progress == D("0.043478")
    assert row.previous.period_start == dt.date(2026, 11, 1)
    assert (row.previous.actual, row.previous.achievement, row.previous.time_progress) == (
        D("27000.00"),
        D("0.900000"),
        D("1.000000"),
    )
    assert month.previous_final
    page = text_of(response.content.decode())
    assert "Dec · today 12-01" in page
    assert "Nov final" in page
    assert "¥44,000.00 4.3%" in page  # December's target at today's time progress …
    assert "¥27,000.00 · 90.0%" in page  # … beside November's final result
    assert "100.0%" not in page  # November's full time progress is not shown as this month's


def test_on_the_first_of_the_month_the_chinese_home_names_both_months(company, november) -> None:
    night_compute(as_of=NOV_30)

    with time_machine.travel(at(DEC_1, 9), tick=False):
        response = company.client_for(company.rep_a).get(reverse("reports:my_day"), HTTP_ACCEPT_LANGUAGE="zh-Hans")

    page = text_of(response.content.decode())
    assert "12月 · 今日 12-01" in page
    assert "11月 最终" in page


def test_later_in_the_month_the_figures_are_the_latest_nights_and_say_so(company, november) -> None:
    night_compute(as_of=NOV_30)
    night_compute(as_of=DEC_2)

    with time_machine.travel(at(DEC_3, 9), tick=False):
        response = company.client_for(company.rep_a).get(reverse("reports:my_day"), HTTP_ACCEPT_LANGUAGE="en")

    month = response.context["month"]
    assert (month.month, month.night, month.previous_month) == (DEC_1, DEC_2, None)
    assert [row.snapshot.period_start for row in month.rows] == [DEC_1]
    assert "Dec · through 12-02" in text_of(response.content.decode())


def test_the_home_offers_the_next_planned_visit_with_a_check_in_and_todays_progress(company, november) -> None:
    second = CustomerFactory(team=company.team_a, owner=company.rep_a, name="Beta Shop")
    with time_machine.travel(at(DEC_3, 9), tick=False):
        sheet = rep_day.sheet_open(rep=company.rep_a)
        first = rep_day.visit_plan(
            by=company.rep_a, sheet=sheet, customer=november["customer"], planned_time=dt.time(9, 30)
        )
        later = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=second, planned_time=dt.time(11))
        rep_day.visit_check_in(by=company.rep_a, visit=first)
    with time_machine.travel(at(DEC_3, 10), tick=False):
        rep_day.visit_check_out(by=company.rep_a, visit=first, outcome="Order taken")
        client = company.client_for(company.rep_a)
        response = client.get(reverse("reports:my_day"), HTTP_ACCEPT_LANGUAGE="en")

    assert response.context["next_visit"] == later
    html = response.content.decode()
    card = html[html.index('data-testid="next-visit"') :]
    assert "Beta Shop" in card[: card.index("</section>")]
    assert f'action="{reverse("visits:check_in", args=[later.pk])}"' in card
    assert "1 / 2" in text_of(html[html.index('data-testid="today-progress"') :])

    with time_machine.travel(at(DEC_3, 10), tick=False):
        client.post(reverse("visits:check_in", args=[later.pk]), {"latitude": "", "longitude": "", "accuracy_m": ""})
        response = client.get(reverse("reports:my_day"), HTTP_ACCEPT_LANGUAGE="en")
    later.refresh_from_db()
    assert later.check_in_at == at(DEC_3, 10)
    assert response.context["next_visit"] == later  # now in progress: the card offers its check-out
    assert 'data-testid="next-visit-check-out"' in response.content.decode()


def test_the_alerts_card_dates_each_alert_and_folds_repeats_of_a_cause(company) -> None:
    rep = company.rep_a
    for day in (dt.date(2026, 11, 20), dt.date(2026, 11, 25), DEC_2):
        Alert.objects.create(
            user=rep,
            cause=f"progress:{rep.pk}:1:critical",
            day=day,
            level=Alert.Level.DANGER,
            message="critical",
            params={"rep": "rep_a", "metric": "Sales amount", "status": "critical", "gap": "-18.30"},
        )
    Alert.objects.create(user=rep, cause=f"missing-sheet:{rep.pk}", day=DEC_1, message="missing", params={"rep": "A"})

    with time_machine.travel(at(DEC_3, 9), tick=False):
        response = company.client_for(rep).get(reverse("reports:my_day"), HTTP_ACCEPT_LANGUAGE="en")

    groups = response.context["alert_groups"]
    assert [(g.latest.day, g.count, g.first_day) for g in groups] == [
        (DEC_2, 3, dt.date(2026, 11, 20)),
        (DEC_1, 1, DEC_1),
    ]
    card = text_of(response.content.decode().split('data-testid="home-alerts"')[1].split("</section>")[0])
    assert "gap -18.30 pp. 12-02 · 3 times since 11-20" in card
    assert card.count("is Critical on Sales amount") == 1
    assert "12-01" in card


def test_the_phones_home_address_answers_the_reps_day_without_a_redirect(company, november) -> None:
    """The home screen icon opens ``/``: a redirect would cost a slow network one more round trip."""
    night_compute(as_of=NOV_30)
    client = company.client_for(company.rep_a)
    with time_machine.travel(at(DEC_1, 9), tick=False):
        home = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
        day = client.get(reverse("reports:my_day"), HTTP_ACCEPT_LANGUAGE="en")
    assert home.status_code == 200
    assert home.templates[0].name == day.templates[0].name == "reports/my_day.html"
    assert home.context["month"].month == day.context["month"].month
    manager = company.client_for(company.manager_a).get(reverse("home"))
    assert manager.status_code == 302 and manager.url == reverse("reports:cockpit")
