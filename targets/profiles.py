"""The month profiles a target is split by, read from the work calendar and from last year's actuals, and a
month's value over its days by the calendar. The arithmetic is ``targets.breakdown``'s; the actuals are read
by ``visits.actuals``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import cast

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from org.calendar import working_dates
from org.models import Team
from salesops.formulas import month_bounds
from targets.breakdown import MONTHS, LastYearProfile, MonthSource, daily_targets
from targets.models import Metric, Target
from visits import actuals as record_actuals

# The record families that make each kind of metric's actual.
FAMILIES_OF: dict[str, tuple[str, ...]] = {
    Metric.ActualKind.SALES_AMOUNT: record_actuals.SALES_FAMILIES,
    Metric.ActualKind.NEW_LINE_AMOUNT: (record_actuals.NEW_LINE_AMOUNT,),
    Metric.ActualKind.ESTABLISHED_AMOUNT: (record_actuals.ESTABLISHED_AMOUNT,),
    Metric.ActualKind.NEW_CUSTOMERS: (record_actuals.NEW_CUSTOMERS,),
    Metric.ActualKind.NEW_OUTLETS: (record_actuals.NEW_OUTLETS,),
    Metric.ActualKind.VISITS: (record_actuals.VISITS,),
}


def working_day_weights(year: int) -> list[Decimal]:
    """Each month's number of working days by the company WorkCalendar (one query)."""
    days = working_dates(dt.date(year, 1, 1), dt.date(year, 12, 31))
    counts = [0] * 12
    for day in days:
        counts[day.month - 1] += 1
    return [Decimal(count) for count in counts]


def daily_split(value: Decimal, year: int, month: int, precision: Decimal) -> dict[dt.date, Decimal]:
    """A month's value over its days: the daily targets on working days, 0 on the others."""
    start, end = month_bounds(year, month)
    working = working_dates(start, end)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    result = dict.fromkeys(days, Decimal(0).quantize(precision))
    if working:
        result.update(daily_targets(value, working, precision))
    return result


def monthly_actuals(
    *, metric: Metric, year: int, team: Team | None = None, rep: AbstractBaseUser | None = None
) -> list[Decimal]:
    """Twelve monthly actuals of a metric for a rep (or a team and everything below) in a year."""
    totals = record_actuals.family_totals(
        FAMILIES_OF[metric.actual_kind],
        start=dt.date(year, 1, 1),
        end=dt.date(year, 12, 31),
        rep=rep,
        team_path=team.path if rep is None and team is not None else None,
        product_group=metric.product_group,
        by="month",
    )
    values = [Decimal(0)] * 12
    for (_rep, month), value in totals.items():
        values[cast(int, month) - 1] = Decimal(value or 0)
    return values


def last_year_profile(
    *,
    metric: Metric,
    year: int,
    team: Team | None = None,
    rep: AbstractBaseUser | None = None,
    today: dt.date | None = None,
) -> LastYearProfile:
    """Last year's monthly actuals of the same owner and metric as weights. A month of last year that has not
    ended yet or has no data follows the working-days profile of ``year`` instead: the fallback months together
    get the share their working days have of the year's, the others share the rest by last year's pattern.
    """
    history = year - 1
    today = today or timezone.localdate()
    actuals = monthly_actuals(metric=metric, year=history, team=team, rep=rep)
    complete = [month_bounds(history, m)[1] < today and actuals[m - 1] > 0 for m in MONTHS]
    working = working_day_weights(year)
    sources = [MonthSource.LAST_YEAR if ok else MonthSource.WORKING_DAYS for ok in complete]
    known_actuals = sum((actuals[m - 1] for m in MONTHS if complete[m - 1]), Decimal(0))
    known_days = sum((working[m - 1] for m in MONTHS if complete[m - 1]), Decimal(0))
    if not known_actuals or not known_days:
        return LastYearProfile(history, working, [MonthSource.WORKING_DAYS] * 12)
    # In whole units (no division): a known month weighs actual × known days, a fallback month
    # known actuals × its working days, which gives the fallback months the working-days profile's share.
    weights = [actuals[m - 1] * known_days if complete[m - 1] else known_actuals * working[m - 1] for m in MONTHS]
    return LastYearProfile(history, weights, sources)


def last_year_profile_of(target: Target) -> LastYearProfile:
    """The last-year profile a target would use (a rep's own actuals, or its team's and everything below)."""
    return last_year_profile(
        metric=target.metric, year=target.fiscal_year, team=None if target.rep_id else target.team, rep=target.rep
    )


def last_year_weights(
    *, metric: Metric, year: int, team: Team | None = None, rep: AbstractBaseUser | None = None
) -> list[Decimal]:
    """The weights of ``last_year_profile`` (which see)."""
    return last_year_profile(metric=metric, year=year, team=team, rep=rep).weights
