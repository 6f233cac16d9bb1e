"""What the nightly job writes (snapshots, KPIs, alerts) and what it reads back (daily roll-up, settings)."""

from reports.models.actuals import ActualChange, DailyActual, HeldCorrection, MonthlyActual
from reports.models.alerts import Alert, Robot, RobotMessage
from reports.models.night import NightlyRun, NightlyShard, ReportSettings
from reports.models.snapshots import (
    ExecutionKpiSnapshot,
    ForecastMethod,
    OwnedRow,
    PeriodKind,
    ProgressSnapshot,
    ProgressStatus,
    TimeBasis,
    owner_key,
)

__all__ = [
    "ActualChange",
    "Alert",
    "DailyActual",
    "ExecutionKpiSnapshot",
    "ForecastMethod",
    "HeldCorrection",
    "MonthlyActual",
    "NightlyRun",
    "NightlyShard",
    "OwnedRow",
    "PeriodKind",
    "ProgressSnapshot",
    "ProgressStatus",
    "ReportSettings",
    "Robot",
    "RobotMessage",
    "TimeBasis",
    "owner_key",
]
