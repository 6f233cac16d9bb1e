"""The monthly scorecard and the forecasts' errors, read from the published nights; every read goes through
org.scoping."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, QuerySet

from org.models import Team
from org.scoping import scoped
from reports.models import (
    ExecutionKpiSnapshot,
    ForecastMethod,
    PeriodKind,
    ProgressSnapshot,
    ReportSettings,
)
from reports.selectors import (
    KPI_FIELDS,
    ZERO,
    kpi_list_for,
    latest_night,
    snapshot_list_for,
)
from salesops import formulas
from salesops.formatting import display_name
from targets.models import Metric
from targets.selectors import closed_month_of

# --- the monthly scorecard -----------------------------------------------------------------------


@dataclass
class ScoreRow:
    rep_name: str
    rep_id: int
    team_name: str
    achievement: Decimal | None
    kpis: dict[str, Decimal | None]
    score: Decimal
    rank: int = 0


def scorecard(
    *,
    user: AbstractBaseUser,
    team: Team,
    metric: Metric | None,
    as_of: dt.date | None = None,
    month: dt.date | None = None,
    period_kind: str = PeriodKind.MONTH,
) -> dict:
    """Per rep of the team's subtree: a weighted score of the period's achievement (capped at 120 %) and KPIs.

    For a ``month`` that is closed the scores are read from its frozen night; otherwise from its latest night
    (on or before ``as_of`` when given). Another period than the month is read from the night of ``as_of``.
    """
    closed = None
    snapshot_rows, kpi_rows = snapshot_list_for(user=user), kpi_list_for(user=user)
    if period_kind != PeriodKind.MONTH:
        month = None
    if month is not None:
        month = month.replace(day=1)
        closed = closed_month_of(month)
        month_end = formulas.month_bounds(month.year, month.month)[1]
        as_of = min(as_of, month_end) if as_of is not None and as_of >= month else month_end
    if closed is not None:
        # The frozen rows, even while a backfill has that night open: no night rewrites them.
        night = closed.night
        snapshot_rows = scoped(
            ProgressSnapshot.objects.select_related("team", "rep"), user, team_field="team", owner_field="rep"
        )
        kpi_rows = scoped(
            ExecutionKpiSnapshot.objects.select_related("team", "rep"), user, team_field="team", owner_field="rep"
        )
    else:
        night = latest_night(on_or_before=as_of)
        if night is not None and month is not None and night < month:
            night = None  # no night of that month
    result: dict = {
        "as_of": night,
        "closed": closed,
        "rows": [],
        "stars": [],
        "weights": ReportSettings.load().weights,
    }
    if night is None or metric is None:
        return result
    subtree = Team.objects.filter(path__startswith=team.path).values("id")
    snapshots = {
        s.rep_id: s
        for s in snapshot_rows.filter(
            as_of=night, metric=metric, period_kind=period_kind, rep__isnull=False, team_id__in=subtree
        )
    }
    kpis = {
        k.rep_id: k
        for k in kpi_rows.filter(as_of=night, period_kind=period_kind, rep__isnull=False, team_id__in=subtree)
    }
    weights = result["weights"]
    weight_sum = sum(weights.values()) or 1
    rows = []
    for rep_id in sorted(set(snapshots) | set(kpis)):
        snapshot, kpi = snapshots.get(rep_id), kpis.get(rep_id)
        source = snapshot or kpi
        achieved = snapshot.achievement if snapshot else None
        values = {name: getattr(kpi, name) if kpi else None for name in KPI_FIELDS}
        parts = {"achievement": min(achieved or ZERO, Decimal("1.2"))}
        parts.update({name: values[name] or ZERO for name in weights if name != "achievement"})
        score = sum((Decimal(weights[name]) * parts[name] for name in weights), ZERO) * 100 / weight_sum
        rows.append(
            ScoreRow(
                rep_name=display_name(source.rep),
                rep_id=rep_id,
                team_name=source.team.name,
                achievement=achieved,
                kpis=values,
                score=score.quantize(Decimal("0.1")),
            )
        )
    rows.sort(key=lambda r: (-r.score, r.rep_name))
    for index, row in enumerate(rows, start=1):
        row.rank = index
    result["rows"] = rows
    stars = []
    for name in ("plan_completion_rate", "on_time_filing_rate", "quality_rate", "action_timeliness", "attendance_rate"):
        candidates = [r for r in rows if r.kpis[name]]
        if candidates:
            best = max(r.kpis[name] for r in candidates)
            stars.append({"kpi": name, "value": best, "reps": [r.rep_name for r in candidates if r.kpis[name] == best]})
    result["stars"] = stars
    return result


# --- forecast errors -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastError:
    """One method's mean absolute percentage error over ended months, and how many nights' forecasts count."""

    method: str
    label: str
    mape: Decimal | None
    count: int
    is_default: bool


def forecast_errors(snapshots: QuerySet[ProgressSnapshot], *, before: dt.date, months: int = 12) -> list[ForecastError]:
    """Each method's error on the month snapshots of ``snapshots`` (already scoped) whose month ended before
    ``before``, the last ``months`` of them: every night's forecast of a month against the month's final actual
    (its last night), the last night itself left out (its forecast is the actual)."""
    month_rows = snapshots.filter(period_kind=PeriodKind.MONTH, period_end__lt=before)
    finals = {
        (key, metric_id, start): actual
        for key, metric_id, start, actual in month_rows.filter(as_of=F("period_end")).values_list(
            "owner_key", "metric_id", "period_start", "actual"
        )
    }
    recent = sorted({start for _key, _metric, start in finals}, reverse=True)[:months]
    methods = [method.value for method in ForecastMethod]
    pairs: dict[str, list[tuple[Decimal | None, Decimal]]] = {method: [] for method in methods}
    rows = month_rows.filter(as_of__lt=F("period_end"), period_start__in=recent).values_list(
        "owner_key", "metric_id", "period_start", *methods
    )
    for key, metric_id, start, *forecasts in rows:
        final = finals.get((key, metric_id, start))
        if final is None:
            continue
        for method, value in zip(methods, forecasts, strict=True):
            pairs[method].append((value, final))
    default = ReportSettings.load().forecast_method
    errors = []
    for method in ForecastMethod:
        mape, count = formulas.mape(pairs[method.value])
        errors.append(ForecastError(method.value, method.label, mape, count, method.value == default))
    return errors


def owner_forecast_errors(*, user: AbstractBaseUser, snapshot: ProgressSnapshot) -> list[ForecastError]:
    """The errors of the owner and metric of ``snapshot`` (the drill-down's table)."""
    scoped_rows = snapshot_list_for(user=user).filter(owner_key=snapshot.owner_key, metric_id=snapshot.metric_id)
    return forecast_errors(scoped_rows, before=snapshot.as_of)


def company_forecast_errors(*, as_of: dt.date) -> list[ForecastError]:
    """The errors of the top units (the evidence beside the company's choice of method in the admin)."""
    top = ProgressSnapshot.objects.filter(rep__isnull=True, team__parent__isnull=True)
    return forecast_errors(top, before=as_of)
