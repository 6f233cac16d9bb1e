"""Nightly job benchmark at scale: one night with 1 and 2 Celery workers, against its floor and the naive way.

    DJANGO_SETTINGS_MODULE=salesops.settings .venv/bin/python bench/nightly.py

Needs the scale data set (bench/seed_scale.py) and a Redis broker (REDIS_URL). Prints, from one run:

- a night computed in-process (reports.night.run.night_compute) early and late in the year, and the ratio;
- the same night through Celery (reports.tasks.nightly_progress_task) with 1 worker process and with 2
  (``-P solo`` workers with different node names, as on two hosts), and each worker's peak RSS (psutil);
- the floor: the year-to-date sums by hand-written SQL, from the sale records and from the daily roll-up;
- the naive way: a Python loop of ORM aggregates per owner × metric × period, timed on a sample of owners
  (bounded by --naive-seconds) and scaled to every owner.

Each night is timed after the previous night is finished, as in production (only the new days are rolled up).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesops.settings")

import django  # noqa: E402

django.setup()

import psutil  # noqa: E402
from django.db import DatabaseError, close_old_connections, connection  # noqa: E402
from django.db.models import Count, Q, Sum  # noqa: E402
from django.utils import timezone  # noqa: E402

from org.models import Customer, Membership, Role, Team  # noqa: E402
from reports.models import NightlyRun, NightlyShard  # noqa: E402
from reports.night import snapshots  # noqa: E402
from reports.night.periods import night_periods  # noqa: E402
from reports.night.run import night_compute  # noqa: E402
from reports.tasks import nightly_progress_task  # noqa: E402
from salesops.celery import app  # noqa: E402
from targets.models import Metric, Target  # noqa: E402
from visits.models import SaleRecord, Visit  # noqa: E402


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def ensure_previous_night(as_of: dt.date) -> None:
    """Finish the night before ``as_of`` (once), so ``as_of`` rolls up only its new days."""
    previous = as_of - dt.timedelta(days=1)
    if not NightlyRun.objects.filter(as_of=previous, status=NightlyRun.Status.FINISHED).exists():
        seconds = timed(lambda: night_compute(as_of=previous))
        print(f"  prepared the night of {previous} in {seconds:.1f} s", flush=True)


def forget_night(as_of: dt.date) -> None:
    """Remove the night's output (not the roll-ups), so the timed run computes it for the first time, as in
    production, rather than overwriting the same rows again."""
    with connection.cursor() as cursor:
        for table in ("reports_progresssnapshot", "reports_executionkpisnapshot", "reports_alert"):
            column = "day" if table == "reports_alert" else "as_of"
            cursor.execute(f"DELETE FROM {table} WHERE {column} = %s", [as_of])
        cursor.execute(
            "DELETE FROM reports_nightlyshard WHERE run_id IN (SELECT id FROM reports_nightlyrun WHERE as_of = %s)",
            [as_of],
        )
        cursor.execute("DELETE FROM reports_nightlyrun WHERE as_of = %s", [as_of])
        cursor.execute("VACUUM (ANALYZE) reports_progresssnapshot")
        cursor.execute("VACUUM (ANALYZE) reports_executionkpisnapshot")


def in_process(as_of: dt.date, repeat: int) -> float:
    ensure_previous_night(as_of)
    times = []
    for _ in range(repeat):
        forget_night(as_of)
        times.append(timed(lambda: night_compute(as_of=as_of)))
    return statistics.median(times)


class Workers:
    """Celery worker processes (solo pool: one process each) with their peak resident memory."""

    def __init__(self, count: int) -> None:
        celery = str(Path(sys.executable).parent / "celery")
        self.processes = [
            subprocess.Popen(
                [celery, "-A", "salesops", "worker", "-l", "warning", "-P", "solo", "-n", f"bench{i + 1}@%h"],
                cwd=ROOT,
                env=os.environ.copy(),
                start_new_session=True,
            )
            for i in range(count)
        ]
        self.peak = [0] * count
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        handles = [psutil.Process(p.pid) for p in self.processes]
        while not self._stop.is_set():
            for i, handle in enumerate(handles):
                try:
                    rss = handle.memory_info().rss + sum(c.memory_info().rss for c in handle.children(recursive=True))
                except psutil.Error:
                    continue
                self.peak[i] = max(self.peak[i], rss)
            time.sleep(0.02)

    def __enter__(self) -> Workers:
        names = {f"bench{i + 1}@" for i in range(len(self.processes))}
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            replies = app.control.ping(timeout=1.0)
            answered = {name.split("@")[0] + "@" for reply in replies for name in reply}
            if names <= answered:
                break
        else:
            raise RuntimeError("the workers did not start")
        self._sampler.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for process in self.processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            process.wait(timeout=60)


def through_celery(as_of: dt.date, workers: int, repeat: int, timeout: float = 1800) -> tuple[float, list[int]]:
    """Median seconds from sending the night's task to the night being published; the workers' peak RSS."""
    ensure_previous_night(as_of)
    times = []
    with Workers(workers) as pool:
        for _ in range(repeat):
            forget_night(as_of)
            started = time.perf_counter()
            nightly_progress_task.delay(as_of.isoformat())
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                close_old_connections()
                run = NightlyRun.objects.filter(as_of=as_of).values_list("status", "started_at").first()
                if run and run[0] == NightlyRun.Status.FINISHED and run[1] is not None:
                    break
                time.sleep(0.02)
            else:
                raise RuntimeError(f"the night of {as_of} did not finish within {timeout} s")
            times.append(time.perf_counter() - started)
            spread = NightlyShard.objects.filter(run__as_of=as_of).values_list("worker", flat=True)
            print(f"  shards by worker: {dict(Counter(spread))}", flush=True)
        peaks = list(pool.peak)
    return statistics.median(times), peaks


# The same sums as the night's actuals (month, quarter, year, week and day to date), by the smallest SQL.
FLOOR_RAW = """
SELECT s.rep_id, p.is_new_line, p."group",
       SUM(s.amount) FILTER (WHERE s.date >= %(month)s),
       SUM(s.amount) FILTER (WHERE s.date >= %(quarter)s),
       SUM(s.amount),
       SUM(s.amount) FILTER (WHERE s.date >= %(week)s),
       SUM(s.amount) FILTER (WHERE s.date >= %(as_of)s)
  FROM visits_salerecord s JOIN org_product p ON p.id = s.product_id
 WHERE s.date BETWEEN %(year)s AND %(as_of)s
 GROUP BY 1, 2, 3
"""
# The physical floor: the month, quarter and year to date of every rep over the raw lines, one statement.
FLOOR_PHYSICAL = """
SELECT s.rep_id,
       SUM(s.amount) FILTER (WHERE s.date >= %(month)s),
       SUM(s.amount) FILTER (WHERE s.date >= %(quarter)s),
       SUM(s.amount)
  FROM visits_salerecord s
 WHERE s.date BETWEEN %(year)s AND %(as_of)s
 GROUP BY 1
"""
FLOOR_ROLLUP = """
SELECT rep_id, family, product_group,
       SUM(value) FILTER (WHERE day >= %(month)s),
       SUM(value) FILTER (WHERE day >= %(quarter)s),
       SUM(value),
       SUM(value) FILTER (WHERE day >= %(week)s),
       SUM(value) FILTER (WHERE day >= %(as_of)s)
  FROM (SELECT month AS day, rep_id, family, product_group, value FROM reports_monthlyactual
         WHERE month >= %(year)s AND month < %(daily_from)s
        UNION ALL
        SELECT day, rep_id, family, product_group, value FROM reports_dailyactual
         WHERE day BETWEEN %(daily_from)s AND %(as_of)s) d
 WHERE rep_id IS NOT NULL
 GROUP BY 1, 2, 3
"""


FLOOR_TABLES = ("visits_salerecord", "org_product", "reports_dailyactual", "reports_monthlyactual")


def floors_prepare() -> None:
    """Current planner statistics for the tables the floors read: a freshly seeded or freshly rolled-up table
    otherwise gets a plan for the wrong row counts (an index scan, an incremental sort and JIT for 25× the
    groups there are), and the floor would be slower than the SQL can be."""
    with connection.cursor() as cursor:
        for table in FLOOR_TABLES:
            cursor.execute(f"ANALYZE {table}")


def floor_plan(sql: str, as_of: dt.date) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
        cursor.execute(f"EXPLAIN {sql}", floor_params(as_of))
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET jit")
    return plan


def floor_params(as_of: dt.date) -> dict:
    week = max(as_of - dt.timedelta(days=as_of.weekday()), dt.date(as_of.year, 1, 1))
    return {
        "month": as_of.replace(day=1),
        "quarter": dt.date(as_of.year, (as_of.month - 1) // 3 * 3 + 1, 1),
        "year": dt.date(as_of.year, 1, 1),
        "week": week,
        "daily_from": min(as_of.replace(day=1), week.replace(day=1)),
        "as_of": as_of,
    }


def floor(sql: str, as_of: dt.date, repeat: int = 3) -> float:
    """The fastest of ``repeat`` runs of ``sql`` after one that warms the buffers; without JIT, whose
    compilation costs more than it saves on a statement of a second."""
    params = floor_params(as_of)

    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
            cursor.execute(sql, params)
            cursor.fetchall()
            cursor.execute("RESET jit")

    run()  # warm the buffers
    return min(timed(run) for _ in range(repeat))


def naive(as_of: dt.date, budget_seconds: float) -> tuple[float, int, int]:
    """Per owner, metric and period: one ORM aggregate each, as a report written row by row does it.

    Returns (seconds extrapolated to every owner, owners measured, owners in all).
    """
    periods = [(kind, start) for kind, start, _end in night_periods(as_of)]
    targets = list(
        Target.objects.filter(fiscal_year=as_of.year, status=Target.Status.APPROVED)
        .select_related("metric", "team")
        .order_by("rep_id", "team_id")
    )
    owners: dict[tuple, list[Target]] = {}
    for target in targets:
        owners.setdefault((target.team_id, target.rep_id), []).append(target)

    def actual(target: Target, start: dt.date) -> Decimal:
        if target.rep_id:
            sales = SaleRecord.objects.filter(rep_id=target.rep_id)
            visits = Visit.objects.filter(sheet__rep_id=target.rep_id)
            customers = Customer.objects.filter(owner_id=target.rep_id)
        else:
            subtree = Team.objects.get(pk=target.team_id).descendants()
            sales = SaleRecord.objects.filter(team__in=subtree)
            visits = Visit.objects.filter(sheet__team__in=subtree)
            customers = Customer.objects.filter(team__in=subtree)
        kind = target.metric.actual_kind
        if kind in (
            Metric.ActualKind.SALES_AMOUNT,
            Metric.ActualKind.NEW_LINE_AMOUNT,
            Metric.ActualKind.ESTABLISHED_AMOUNT,
        ):
            if kind == Metric.ActualKind.NEW_LINE_AMOUNT:
                sales = sales.filter(product__is_new_line=True)
            elif kind == Metric.ActualKind.ESTABLISHED_AMOUNT:
                sales = sales.filter(product__is_new_line=False)
            return sales.filter(date__range=(start, as_of)).aggregate(s=Sum("amount"))["s"] or Decimal(0)
        if kind == Metric.ActualKind.VISITS:
            return visits.filter(sheet__date__range=(start, as_of), check_in_at__isnull=False).aggregate(n=Count("id"))[
                "n"
            ]
        outlets = Q(kind=Customer.Kind.OUTLET) if kind == Metric.ActualKind.NEW_OUTLETS else Q()
        return customers.filter(outlets, first_order_date__range=(start, as_of)).count()

    # Sample reps and teams in proportion, so the extrapolation weighs both.
    keys = list(owners)
    step = max(1, len(keys) // 200)
    sample = keys[::step]
    started = time.perf_counter()
    done = 0
    for key in sample:
        for target in owners[key]:
            for _kind, start in periods:
                actual(target, start)
        done += 1
        if time.perf_counter() - started > budget_seconds:
            break
    elapsed = time.perf_counter() - started
    return elapsed / done * len(keys), done, len(keys)


def snapshots_row_by_row() -> None:
    """Make the night take its fallback: the snapshot statement refused, the rows computed in Python."""

    def refuse(*_args, **_kwargs):
        raise DatabaseError("the row-by-row night of the benchmark")

    snapshots.snapshots_upsert = refuse
    logging.getLogger(snapshots.__name__).setLevel(logging.CRITICAL)


def load() -> str:
    return Path("/proc/loadavg").read_text().strip() if Path("/proc/loadavg").exists() else "?"


def rep_count() -> int:
    return Membership.objects.active_on(timezone.localdate()).filter(role=Role.REP).count()


def main() -> None:
    parser = argparse.ArgumentParser(description="Nightly job benchmark")
    parser.add_argument("--early", type=dt.date.fromisoformat, default=dt.date(2026, 1, 20))
    parser.add_argument("--late", type=dt.date.fromisoformat, default=dt.date(2026, 11, 20))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--naive-seconds", type=float, default=60, help="0: leave the naive loop out")
    parser.add_argument("--skip-celery", action="store_true")
    parser.add_argument("--skip-early", action="store_true")
    parser.add_argument(
        "--row-by-row",
        action="store_true",
        help="the snapshots through salesops.formulas one row at a time, as before the one statement (in-process)",
    )
    args = parser.parse_args()
    if args.row_by_row:
        snapshots_row_by_row()
    figures: dict[str, float] = {}
    reps = rep_count()
    print(f"machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.1f} GiB; {reps} reps", flush=True)
    print(f"load at start: {load()}", flush=True)

    if not args.skip_early:
        figures["early, in-process"] = in_process(args.early, args.repeat)
        print(f"night {args.early} in-process: {figures['early, in-process']:.2f} s", flush=True)
    figures["late, in-process"] = in_process(args.late, args.repeat)
    print(f"night {args.late} in-process: {figures['late, in-process']:.2f} s", flush=True)

    # The floors after the nights: the roll-up floor reads the roll-ups those nights filled.
    floors_prepare()
    figures["floor, raw SQL"] = floor(FLOOR_RAW, args.late)
    figures["floor, physical"] = floor(FLOOR_PHYSICAL, args.late)
    figures["floor, roll-up SQL"] = floor(FLOOR_ROLLUP, args.late)
    print(
        f"floor: raw {figures['floor, raw SQL']:.3f} s, physical {figures['floor, physical']:.3f} s,"
        f" roll-up {figures['floor, roll-up SQL']:.3f} s",
        flush=True,
    )
    print("raw floor plan:\n" + floor_plan(FLOOR_RAW, args.late), flush=True)
    if args.naive_seconds > 0:
        figures["naive loop"], measured, owners = naive(args.late, args.naive_seconds)
        print(f"naive loop: {figures['naive loop']:.0f} s for {owners} owners (measured on {measured})", flush=True)
    peaks: dict[int, list[int]] = {}
    if not args.skip_celery:
        for workers in (2, 1):
            seconds, peaks[workers] = through_celery(args.late, workers, args.repeat)
            figures[f"late, celery x{workers}"] = seconds
            print(
                f"night {args.late} via celery, {workers} worker(s): {seconds:.2f} s, peak RSS {peaks[workers]}",
                flush=True,
            )
    print(f"load at end: {load()}", flush=True)

    night = figures.get("late, celery x1", figures["late, in-process"])
    print()
    print("figure                                   seconds   ratio / goal")
    rows = [
        ("night late in year, in-process", figures["late, in-process"], ""),
        ("night late in year, in-process, per rep (ms)", figures["late, in-process"] / max(reps, 1) * 1000, ""),
    ]
    if not args.skip_early:
        rows += [
            ("night early in year, in-process", figures["early, in-process"], ""),
            (
                "late / early",
                None,
                f"{figures['late, in-process'] / figures['early, in-process']:.2f}x (goal <= 1.5x)",
            ),
        ]
    if not args.skip_celery:
        rows += [
            ("night via celery, 1 worker", figures["late, celery x1"], f"goal <= 3 s: {night <= 3}"),
            (
                "night via celery, 2 workers",
                figures["late, celery x2"],
                f"speed-up {figures['late, celery x1'] / figures['late, celery x2']:.2f}x",
            ),
            ("worker peak RSS, 1 worker (MB)", max(peaks[1]) / 2**20, "goal <= 500 MB"),
            ("worker peak RSS, 2 workers (MB)", max(peaks[2]) / 2**20, ""),
        ]
    rows += [
        (
            "floor: sums to date, raw sale records",
            figures["floor, raw SQL"],
            f"night / floor {night / figures['floor, raw SQL']:.1f}x (goal <= 2x)",
        ),
        (
            "floor: month/quarter/year per rep, raw",
            figures["floor, physical"],
            f"night / floor {night / figures['floor, physical']:.1f}x",
        ),
        (
            "floor: sums to date, roll-ups",
            figures["floor, roll-up SQL"],
            f"night / floor {night / figures['floor, roll-up SQL']:.1f}x",
        ),
    ]
    if "naive loop" in figures:
        rows.append(
            (
                "naive ORM loop (extrapolated)",
                figures["naive loop"],
                f"naive / night {figures['naive loop'] / night:.2f}x (goal >= 20x)",
            )
        )
    for name, value, note in rows:
        print(f"{name:44} {'' if value is None else f'{value:9.2f}'}   {note}")


if __name__ == "__main__":
    main()
