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


def december_heavy_plan() -> dict[tuple[int, int], D]:
    """A company whose December is always its biggest month: 50,000 a month, 450,000 in December."""
    return {(2026, month): D("450000") if month == 12 else D("50000") for month in range(1, 13)}


def test_a_december_heavy_year_is_not_told_in_november_it_will_miss() -> None:
    months = december_heavy_plan()
    start, end, as_of = dt.date(2026, 1, 1), dt.date(2026, 12, 31), dt.date(2026, 11, 30)
    target = sum(months.values())
    assert target == D("1000000")
    units = formulas.period_units(start, end, as_of)
    assert units == Units(elapsed=334, total=365)
    planned = formulas.planned_to_date(months, start, end, as_of)
    assert planned == D("550000")  # Jan–Nov at 50,000
    # Exactly on plan: 550,000 sold by the end of November.
    result = formulas.progress(target=target, actual=D("550000"), planned=planned, units=units)
    # The run rate spreads November's pace over December: 550,000 / 334 × 365.
    assert result.forecast == D("601047.90")
    assert result.plan_progress == D("0.55")
    # The seasonal forecast expects December's 450,000: 550,000 ÷ 550,000 planned × 1,000,000.
    assert result.forecast_seasonal == D("1000000.00")
    assert result.forecast_seasonal >= target
    # Last year: 900,000 in the whole year, 500,000 by 30 November; this year 550,000 → growth 1.1.
    growth = formulas.growth(D("550000"), D("500000"))
    assert growth == D("1.1")
    assert formulas.last_year_forecast(D("900000"), growth) == D("990000.00")


def test_the_seasonal_forecast_before_anything_is_planned_is_empty() -> None:
    assert formulas.seasonal_forecast(D("10"), None) is None
    assert formulas.seasonal_forecast(D("10"), D("0")) is None
    # 30 sold where 50 of 200 were planned (plan progress 0.25): 30 ÷ 50 × 200 = 120.
    assert formulas.seasonal_forecast(D("30"), D("0.25")) == D("120.00")


def test_the_last_year_forecast_needs_last_years_numbers() -> None:
    assert formulas.growth(D("100"), None) is None
    assert formulas.growth(D("100"), D("0")) is None
    assert formulas.last_year_forecast(None, D("1.2")) is None
    assert formulas.last_year_forecast(D("80"), None) is None
    assert formulas.last_year_forecast(D("80"), formulas.growth(D("60"), D("48"))) == D("100.00")


def test_mape_over_forecasts_and_final_actuals() -> None:
    # |90−100|/100 = 10 %, |115−100|/100 = 15 %; no forecast and a zero actual do not count.
    assert formulas.mape([(D("90"), D("100")), (D("115"), D("100")), (None, D("100")), (D("5"), D("0"))]) == (
        D("12.50"),
        2,
    )
    assert formulas.mape([]) == (None, 0)
