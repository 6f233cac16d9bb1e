"""A bad row never stops the night: ratios capped and flagged, numbers fitted to their columns, one target's
failure isolated, a failed night marked, alerted and computed again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import DatabaseError
from django.utils import timezone

from reports import selectors
from reports.models import Alert, ExecutionKpiSnapshot, NightlyRun, NightlyShard, ProgressSnapshot
from reports.night import run as night_run
from reports.night import snapshots
from reports.night.failures import night_fail, stale_nights_fail
from reports.night.kpis import KPI_FIT, KPI_KEY, KPI_VALUES
from reports.night.run import night_compute, nightly_run_start
from reports.night.snapshots import SNAPSHOT_COLUMNS, SNAPSHOT_FIT, _target_rows
from salesops import formulas
from tests.reports.factories import make_sale, make_target
from visits.models import SaleRecord

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 3, 16)


def row(owner_key: str, kind: str = "month", as_of: dt.date = AS_OF) -> ProgressSnapshot:
    return ProgressSnapshot.objects.get(as_of=as_of, owner_key=owner_key, period_kind=kind)


def test_a_near_zero_team_target_completes_the_night_with_the_achievement_capped_and_flagged(company, night) -> None:
    # Team B: a March target of 0.88 against 30,000 sold: 3,409,090 % would not fit the column.
    make_target(company.team_b, None, night["metric"], {3: "0.88"})
    run = night_compute(as_of=AS_OF)
    assert run.status == NightlyRun.Status.FINISHED
    month = row(f"team:{company.team_b.pk}")
    assert (month.target, month.actual) == (D("0.88"), D("30000.00"))
    assert month.achievement == formulas.RATIO_LIMIT and "achievement" in month.flags
    assert month.gap_pp == D("99950.00")  # (1000 − 0.5) × 100: March is half gone
    assert month.status == "ahead"
    # The other owners' rows are as before, unflagged.
    rep_a = row(f"rep:{company.rep_a.pk}")
    assert (rep_a.achievement, rep_a.flags) == (D("0.409091"), [])


def test_an_order_line_of_a_hundred_billion_already_stored_does_not_stop_the_night(company, night) -> None:
    first = SaleRecord.objects.filter(rep=company.rep_a).first()
    make_sale(AS_OF, company.rep_a, first.customer, first.product, D("99999999999.99"))
    run = night_compute(as_of=AS_OF)
    assert run.status == NightlyRun.Status.FINISHED
    month = row(f"rep:{company.rep_a.pk}")
    assert month.actual == D("90000.00") + D("99999999999.99")
    assert month.achievement == formulas.RATIO_LIMIT and month.flags == ["achievement"]
    assert month.forecast == D("200000179999.98")  # (A / 11 working days) × 22: fits, not flagged


def test_a_number_too_large_for_its_column_is_emptied_or_capped_and_named_in_the_flags() -> None:
    columns = SNAPSHOT_COLUMNS
    values = dict.fromkeys(columns)
    values.update(
        target=D("100"),
        actual=D("1e17"),  # the column holds < 10^14: capped to its largest value
        forecast=D("1e15"),  # nullable: emptied
        required_daily_rate=D("5"),
        flags=["achievement"],
    )
    fitted = dict(zip(columns, SNAPSHOT_FIT.fit([values[c] for c in columns]), strict=True))
    assert fitted["actual"] == D("99999999999999.99")
    assert fitted["forecast"] is None
    assert (fitted["target"], fitted["required_daily_rate"]) == (D("100"), D("5"))
    assert fitted["flags"] == ["achievement", "actual", "forecast"]


def test_a_kpi_rate_too_large_for_its_column_is_emptied_and_flagged() -> None:
    columns = KPI_KEY + KPI_VALUES
    values = dict.fromkeys(columns)
    values.update(on_time_filing_rate=D("123.5"), plan_completion_rate=D("0.5"), flags=[])
    fitted = dict(zip(columns, KPI_FIT.fit([values[c] for c in columns]), strict=True))
    assert (fitted["on_time_filing_rate"], fitted["plan_completion_rate"]) == (None, D("0.5"))
    assert fitted["flags"] == ["on_time_filing_rate"]
    assert ExecutionKpiSnapshot._meta.get_field("on_time_filing_rate").max_digits == 8


def test_one_target_that_cannot_be_computed_is_skipped_and_noted_the_others_are_stored(
    company, night, monkeypatch
) -> None:
    broken = company.rep_a2.pk
    real = _target_rows

    def rows(ctx, target, months, sums, last_year):
        if target.rep_id == broken:
            raise ArithmeticError("bad months")
        return real(ctx, target, months, sums, last_year)

    def refuse(*_args, **_kwargs):
        raise DatabaseError("the statement refused")

    # The snapshots are computed row by row when the statement that computes them fails.
    monkeypatch.setattr(snapshots, "snapshots_upsert", refuse)
    monkeypatch.setattr(snapshots, "_target_rows", rows)
    run = night_compute(as_of=AS_OF)
    assert run.status == NightlyRun.Status.FINISHED
    assert not ProgressSnapshot.objects.filter(rep_id=broken).exists()
    assert row(f"rep:{company.rep_a.pk}").actual == D("90000.00")
    problems = [p for shard in NightlyShard.objects.all() for p in shard.problems]
    assert len(problems) == 1 and problems[0]["error"] == "ArithmeticError: bad months"


def test_a_failed_night_is_marked_the_director_alerted_the_last_night_kept_and_it_can_run_again(
    company, night, monkeypatch
) -> None:
    night_compute(as_of=dt.date(2026, 3, 15))

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(night_run, "execution_kpis_compute", boom)
    with pytest.raises(RuntimeError):
        night_compute(as_of=AS_OF)
    run = NightlyRun.objects.get(as_of=AS_OF)
    assert (run.status, run.error) == (NightlyRun.Status.FAILED, "RuntimeError: disk full")
    assert selectors.latest_night() == dt.date(2026, 3, 15)
    alert = Alert.objects.get(cause=f"night-failed:{AS_OF}")
    assert alert.user == company.director and alert.level == Alert.Level.DANGER
    assert "2026-03-16" in alert.text and "disk full" in alert.text
    assert not Alert.objects.filter(user=company.manager_a, cause__startswith="night-failed").exists()

    monkeypatch.undo()
    assert night_compute(as_of=AS_OF).status == NightlyRun.Status.FINISHED
    assert selectors.latest_night() == AS_OF
    assert NightlyRun.objects.get(as_of=AS_OF).error == ""


def test_a_night_left_running_is_failed_and_alerted_when_the_next_one_starts(company, night) -> None:
    nightly_run_start(as_of=AS_OF, shard_count=2)
    assert stale_nights_fail() == []  # just started
    assert stale_nights_fail(older_than=dt.timedelta(0)) == [AS_OF]
    assert NightlyRun.objects.get(as_of=AS_OF).status == NightlyRun.Status.FAILED
    assert Alert.objects.filter(user=company.director, cause=f"night-failed:{AS_OF}").exists()


def test_a_shard_task_out_of_retries_fails_its_night(company, night) -> None:
    from reports.tasks import compute_shard_task

    nightly_run_start(as_of=AS_OF, shard_count=1)
    compute_shard_task.on_failure(RuntimeError("lost"), "id", (AS_OF.isoformat(), [1]), {}, None)
    assert NightlyRun.objects.get(as_of=AS_OF).status == NightlyRun.Status.FAILED


def test_a_finished_night_is_never_marked_failed(company, night) -> None:
    night_compute(as_of=AS_OF)
    assert night_fail(as_of=AS_OF, error="late") is False
    assert NightlyRun.objects.get(as_of=AS_OF).status == NightlyRun.Status.FINISHED


def test_a_director_computes_a_failed_night_again_from_the_admin(
    company, night, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    from reports import tasks

    nightly_run_start(as_of=AS_OF, shard_count=2)
    night_fail(as_of=AS_OF, error="RuntimeError: lost")
    queued = []
    monkeypatch.setattr(tasks.nightly_progress_task, "delay", lambda as_of: queued.append(as_of))
    company.director.is_staff = company.director.is_superuser = True
    company.director.save()
    run = NightlyRun.objects.get(as_of=AS_OF)
    with django_capture_on_commit_callbacks(execute=True):
        response = company.client_for(company.director).post(
            "/admin/reports/nightlyrun/", {"action": "compute_again", "_selected_action": [run.pk]}
        )
    assert response.status_code == 302
    assert queued == ["2026-03-16"]


def test_the_night_task_closes_stale_nights_before_it_starts(company, night, monkeypatch) -> None:
    from reports import tasks

    nightly_run_start(as_of=dt.date(2026, 3, 15), shard_count=2)
    NightlyRun.objects.filter(as_of=dt.date(2026, 3, 15)).update(started_at=timezone.now() - dt.timedelta(hours=7))
    monkeypatch.setattr(tasks, "group", lambda tasks_: type("G", (), {"apply_async": lambda self: None})())
    tasks.nightly_progress_task(AS_OF.isoformat())
    assert NightlyRun.objects.get(as_of=dt.date(2026, 3, 15)).status == NightlyRun.Status.FAILED
    assert NightlyRun.objects.get(as_of=AS_OF).status == NightlyRun.Status.RUNNING
