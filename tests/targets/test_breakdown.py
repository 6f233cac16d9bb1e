"""The breakdown maths, against hand-worked numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from targets.breakdown import (
    MONEY,
    WHOLE,
    quarter_values,
    seasonal_weights_error,
    split,
    split_columns,
)
from targets.profiles import daily_split, working_day_weights

# 2,000,000.00 = 200,000,000 fen; /12 = 16,666,666.67 fen each: 8 fen are left after flooring,
# and every remainder is the same (0.67), so the first eight months get one fen more.
EVEN_2M = [D("166666.67")] * 8 + [D("166666.66")] * 4


@pytest.mark.parametrize(
    ("total", "weights", "precision", "expected"),
    [
        (D("2000000"), [1] * 12, MONEY, EVEN_2M),
        # The seed example's two product lines, even: 800,000 / 12 = 66,666.666…, 1,200,000 / 12 = 100,000.
        (D("800000"), [1] * 12, MONEY, [D("66666.67")] * 8 + [D("66666.66")] * 4),
        (D("1200000"), [1] * 12, MONEY, [D("100000.00")] * 12),
        # Counts are whole: 100 / 12 = 8.33 → 8 each, 4 left for the first four months.
        (D("100"), [1] * 12, WHOLE, [D(9)] * 4 + [D(8)] * 8),
        # Largest remainder wins, not the first: 10 by 1:1:1 → 3.33 each → 4,3,3; by 2:3:5 → 2,3,5.
        (D("10"), [1, 1, 1], WHOLE, [D(4), D(3), D(3)]),
        (D("10"), [2, 3, 5], WHOLE, [D(2), D(3), D(5)]),
        # 7 by 1:2:4 = 1, 2, 4; 5 by 1:1:3 = 1, 1, 3; 1 by 3:3:4 → 0.3, 0.3, 0.4 → the 0.4 takes it.
        (D("1"), [3, 3, 4], WHOLE, [D(0), D(0), D(1)]),
        # All-zero weights split evenly.
        (D("0.03"), [0, 0, 0], MONEY, [D("0.01")] * 3),
        (D("0"), [1] * 12, MONEY, [D("0.00")] * 12),
    ],
)
def test_it_splits_by_the_largest_remainder(total, weights, precision, expected) -> None:
    parts = split(total, weights, precision)
    assert parts == expected
    assert sum(parts) == total


def test_the_seed_example_adds_up_to_two_million_exactly() -> None:
    new_line = split(D("800000"), [1] * 12, MONEY)
    established = split(D("1200000"), [1] * 12, MONEY)
    sales = split(D("2000000"), [1] * 12, MONEY)
    assert set(sales) == {D("166666.67"), D("166666.66")}
    assert sum(sales) == D("2000000.00")
    assert sum(new_line) + sum(established) == D("2000000.00")


def test_seasonal_percentages_split_a_year() -> None:
    weights = [D(w) for w in ("5", "5", "7", "8", "9", "9", "8", "8", "9", "10", "10", "12")]
    months = split(D("1200000"), weights, MONEY)
    assert months[0] == D("60000.00")  # 5 % of 1.2 M
    assert months[11] == D("144000.00")  # 12 %
    assert quarter_values(months) == [D("204000.00"), D("312000.00"), D("300000.00"), D("384000.00")]


@pytest.mark.parametrize(
    ("weights", "ok"),
    [
        (["8.33"] * 11 + ["8.37"], True),
        (["8.33"] * 12, False),  # 99.96
        (["8.3334"] * 12, True),  # 100.0008: within 0.01
        (["10"] * 11, False),
        (["-5", "15"] + ["9"] * 10, False),
    ],
)
def test_seasonal_weights_must_be_twelve_percentages_totalling_100(weights, ok) -> None:
    assert (seasonal_weights_error([D(w) for w in weights]) is None) is ok


@pytest.mark.django_db
def test_working_days_weights_follow_chinas_2026_calendar() -> None:
    weights = working_day_weights(2026)
    # February: 20 weekdays − 6 Spring Festival weekdays (16–20, 23) + 2 make-up Saturdays (14, 28) = 16.
    # October: 22 weekdays − 5 National Day weekdays (1, 2, 5, 6, 7) + the make-up Saturday 10th = 18.
    assert weights == [D(n) for n in (21, 16, 22, 21, 19, 21, 23, 21, 22, 18, 21, 23)]
    assert sum(weights) == 248
    months = split(D("1000000"), weights, MONEY)
    assert months[1] == D("64516.13")  # 1,000,000 × 16 / 248 = 64,516.129…
    assert months[9] == D("72580.64")  # × 18 / 248 = 72,580.645…
    assert sum(months) == D("1000000.00")


@pytest.mark.django_db
def test_a_month_with_a_holiday_is_split_over_its_working_days_only() -> None:
    days = daily_split(D("100000"), 2026, 10, MONEY)
    assert len(days) == 31
    assert all(days[dt.date(2026, 10, d)] == 0 for d in range(1, 8))  # National Day week
    assert days[dt.date(2026, 10, 11)] == 0  # an ordinary Sunday
    assert days[dt.date(2026, 10, 10)] == D("5555.56")  # the make-up Saturday works
    # 100,000 / 18 = 5,555.555…: ten days get 5,555.56 and eight 5,555.55.
    working = [v for v in days.values() if v]
    assert len(working) == 18
    assert working.count(D("5555.56")) == 10
    assert sum(days.values()) == D("100000.00")


def test_columns_split_among_rows_add_up_both_ways() -> None:
    months = split(D("2000000"), [1] * 12, MONEY)
    rows = split_columns(months, [1, 1, 1, 1], MONEY)
    # Each rep gets a fair 500,000.00 a year, and every month of the team is fully allocated.
    assert [sum(row) for row in rows] == [D("500000.00")] * 4
    for month in range(12):
        assert sum(row[month] for row in rows) == months[month]
    # 166,666.67 / 4 = 41,666.6675 fen: three reps get 41,666.67 and one 41,666.66 in January.
    assert sorted(row[0] for row in rows) == [D("41666.66")] + [D("41666.67")] * 3
