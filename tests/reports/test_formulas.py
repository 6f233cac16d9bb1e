"""The progress numbers against hand-worked examples."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from org.calendar import working_dates
from org.models import WorkCalendarDay
from salesops import formulas
from salesops.formulas import Status, Thresholds, Units


def twenty_two_working_days() -> list[dt.date]:
    """June 2026 has 22 weekdays; use them as a plain 22-working-day month."""
    days = [dt.date(2026, 6, 1) + dt.timedelta(days=i) for i in range(30)]
    return [day for day in days if day.weekday() < 5]


def test_the_worked_example_of_the_issue() -> None:
    working = twenty_two_working_days()
    assert len(working) == 22
    as_of = working[10]  # the 11th working day
    units = formulas.period_units(dt.date(2026, 6, 1), dt.date(2026, 6, 30), as_of, working_days=working)
    assert units == Units(elapsed=11, total=22)
    result = formulas.progress(target=D("220000"), actual=D("90000"), planned=D("110000"), units=units)
    assert formulas.percent(result.time_progress) == D("50.0")
    assert formulas.percent(result.achievement) == D("40.9")
    assert result.gap_pp.quantize(D("0.1")) == D("-9.1")
    assert result.status == Status.BEHIND
    assert result.forecast == D("180000.00")
    assert result.required_daily_rate == D("11818.18")
    assert formulas.percent(result.plan_progress) == D("50.0")


@pytest.mark.parametrize(
    ("gap", "expected"),
    [
        (D("0"), Status.AHEAD),
        (D("3.2"), Status.AHEAD),
        (D("-0.01"), Status.WATCH),
        (D("-5"), Status.WATCH),
        (D("-5.01"), Status.BEHIND),
        (D("-15"), Status.BEHIND),
        (D("-15.01"), Status.CRITICAL),
        (None, Status.NO_TARGET),
    ],
)
def test_status_follows_the_default_thresholds(gap, expected) -> None:
    assert formulas.status(gap) == expected


def test_status_follows_configured_thresholds() -> None:
    strict = Thresholds(ahead=D("0"), watch=D("-2"), behind=D("-8"))
    assert formulas.status(D("-3"), strict) == Status.BEHIND
    assert formulas.status(D("-9"), strict) == Status.CRITICAL


def test_a_seasonal_plan_has_a_plan_progress_different_from_time_progress() -> None:
    months = {(2026, 1): D("100"), (2026, 2): D("100"), (2026, 3): D("400")}
    start, end, as_of = dt.date(2026, 1, 1), dt.date(2026, 3, 31), dt.date(2026, 2, 28)
    units = formulas.period_units(start, end, as_of)  # calendar days
    assert units == Units(elapsed=59, total=90)
    planned = formulas.planned_to_date(months, start, end, as_of)
    assert planned == D("200")
    result = formulas.progress(target=D("600"), actual=D("210"), planned=planned, units=units)
    assert formulas.percent(result.time_progress) == D("65.6")
    assert formulas.percent(result.plan_progress) == D("33.3")
    assert formulas.percent(result.achievement) == D("35.0")
    assert result.status == Status.CRITICAL  # against time, even though ahead of the seasonal plan


def test_the_current_month_of_a_plan_is_prorated_by_its_units() -> None:
    working = twenty_two_working_days()
    months = {(2026, 5): D("1000"), (2026, 6): D("2200")}
    planned = formulas.planned_to_date(
        months, dt.date(2026, 5, 1), dt.date(2026, 6, 30), working[10], working_days=working
    )
    assert planned == D("1000") + D("1100")  # May is not in the working list, so it counts whole


def test_a_zero_target_has_no_achievement_and_no_division() -> None:
    units = Units(elapsed=5, total=20)
    result = formulas.progress(target=D("0"), actual=D("500"), planned=D("0"), units=units)
    assert result.achievement is None
    assert result.plan_progress is None
    assert result.gap_pp is None
    assert result.status == Status.NO_TARGET
    assert result.required_daily_rate == D("0.00")
    assert result.forecast == D("2000.00")


def test_a_period_not_yet_started() -> None:
    working = twenty_two_working_days()
    units = formulas.period_units(dt.date(2026, 6, 1), dt.date(2026, 6, 30), dt.date(2026, 5, 20), working_days=working)
    assert units == Units(elapsed=0, total=22)
    result = formulas.progress(target=D("2200"), actual=D("0"), planned=D("0"), units=units)
    assert result.time_progress == 0
    assert result.achievement == 0
    assert result.gap_pp == 0
    assert result.forecast is None
    assert result.required_daily_rate == D("100.00")


def test_a_finished_period_with_work_left_has_no_daily_rate() -> None:
    result = formulas.progress(target=D("100"), actual=D("40"), planned=D("100"), units=Units(elapsed=20, total=20))
    assert result.time_progress == 1
    assert result.required_daily_rate is None
    assert result.forecast == D("40.00")


def test_calendar_days_are_an_option() -> None:
    units = formulas.period_units(dt.date(2026, 6, 1), dt.date(2026, 6, 30), dt.date(2026, 6, 15))
    assert formulas.percent(formulas.time_progress(units)) == D("50.0")


@pytest.mark.django_db
def test_a_make_up_working_saturday_counts_as_a_working_day() -> None:
    saturday = dt.date(2025, 3, 8)
    start, end = dt.date(2025, 3, 1), dt.date(2025, 3, 31)
    plain = formulas.period_units(start, end, saturday, working_days=working_dates(start, end))
    assert plain == Units(elapsed=5, total=21)
    WorkCalendarDay.objects.update_or_create(
        date=saturday, defaults={"is_working": True, "kind": WorkCalendarDay.Kind.MAKEUP}
    )
    with_makeup = formulas.period_units(start, end, saturday, working_days=working_dates(start, end))
    assert with_makeup == Units(elapsed=6, total=22)
    assert formulas.percent(formulas.time_progress(with_makeup)) == D("27.3")
