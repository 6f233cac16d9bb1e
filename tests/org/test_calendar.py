from __future__ import annotations

import datetime as dt

import pytest

from org import services
from org.calendar import is_working_day, working_dates, working_days_between
from org.models import WorkCalendarDay

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _official_calendar() -> None:
    # Transactional tests flush tables, migration data included: load the years these tests read.
    services.calendar_seed(years=[2025, 2026])


def test_2025_has_248_working_days_on_chinas_calendar() -> None:
    assert working_days_between(dt.date(2025, 1, 1), dt.date(2025, 12, 31)) == 248


def test_2026_has_248_working_days_on_chinas_calendar() -> None:
    assert working_days_between(dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == 248


def test_the_october_holiday_week_is_not_working() -> None:
    assert working_dates(dt.date(2025, 10, 1), dt.date(2025, 10, 8)) == []
    assert WorkCalendarDay.objects.get(date=dt.date(2025, 10, 1)).kind == WorkCalendarDay.Kind.HOLIDAY


def test_a_make_up_saturday_is_working() -> None:
    saturday = dt.date(2025, 10, 11)
    assert saturday.weekday() == 5
    assert is_working_day(saturday)
    assert WorkCalendarDay.objects.get(date=saturday).kind == WorkCalendarDay.Kind.MAKEUP


def test_an_ordinary_saturday_is_not_working() -> None:
    assert not is_working_day(dt.date(2025, 11, 15))


def test_counts_are_inclusive_of_both_ends_and_zero_when_reversed() -> None:
    monday, friday = dt.date(2025, 11, 17), dt.date(2025, 11, 21)
    assert working_days_between(monday, friday) == 5
    assert working_days_between(monday, monday) == 1
    assert working_days_between(friday, monday) == 0


def test_a_year_the_official_calendar_does_not_know_counts_weekdays_less_the_statutory_holidays() -> None:
    WorkCalendarDay.objects.filter(date__year__in=[2030, 2031]).delete()
    assert working_days_between(dt.date(2031, 1, 6), dt.date(2031, 1, 12)) == 5
    # Monday 30 December to Sunday 5 January: New Year's Day (a Wednesday) is off.
    assert working_days_between(dt.date(2030, 12, 30), dt.date(2031, 1, 5)) == 4


def test_a_directors_company_day_off_changes_the_count(company) -> None:
    november = (dt.date(2025, 11, 1), dt.date(2025, 11, 30))
    before = working_days_between(*november)
    services.calendar_day_set(by=company.director, date=dt.date(2025, 11, 20), is_working=False, note="Team day")
    assert working_days_between(*november) == before - 1


def test_reseeding_keeps_a_directors_edit(company) -> None:
    services.calendar_day_set(by=company.director, date=dt.date(2025, 11, 20), is_working=False, note="Team day")
    services.calendar_seed(years=[2025])
    assert not is_working_day(dt.date(2025, 11, 20))


def test_a_manager_cannot_edit_the_calendar(company) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.calendar_day_set(by=company.manager_a, date=dt.date(2025, 11, 20), is_working=False)
    assert is_working_day(dt.date(2025, 11, 20))


def test_days_without_a_row_still_follow_the_official_calendar() -> None:
    WorkCalendarDay.objects.filter(date__year=2025).delete()
    assert working_days_between(dt.date(2025, 1, 1), dt.date(2025, 12, 31)) == 248
    assert is_working_day(dt.date(2025, 10, 11))


def test_the_calendar_page_counts_the_years_working_days(company) -> None:
    response = company.client_for(company.rep_a).get("/calendar/?year=2025", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "248 working days" in response.content.decode()
    assert response.content.decode().count('class="cal-holiday"') >= 20


def test_a_director_saves_a_company_day_off_on_the_calendar_page(company) -> None:
    client = company.client_for(company.director)
    response = client.post("/calendar/day/", {"date": "2025-11-20", "note": "Offsite"})
    assert response.status_code == 302
    assert not is_working_day(dt.date(2025, 11, 20))
    assert company.client_for(company.manager_a).post("/calendar/day/", {"date": "2025-11-21"}).status_code == 403
    assert is_working_day(dt.date(2025, 11, 21))
