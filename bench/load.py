"""API and page load benchmark: gunicorn in the production configuration, driven by wrk on loopback.

    DJANGO_SETTINGS_MODULE=salesops.settings .venv/bin/python bench/load.py --duration 15

Needs the scale data set (bench/seed_scale.py) and ``wrk`` (apt-get install wrk). Starts gunicorn
(DEBUG=0, static files by whitenoise after collectstatic) on 127.0.0.1, then runs each scenario at 32
concurrent connections for a bounded time and prints throughput, p50/p99 latency, errors and the
ratios against the floor (a minimal Django view that runs one query, served by the same processes).
``--rounds 3`` runs the scenarios three times in turn and reports each one's median round (by
throughput) and the median of its rounds' ratios to the floor of the same round, so a burst of other work
on a shared machine moves a scenario and the floor it is compared with alike:

  (a) a rep files a visit: POST /api/v1/visits/<id>/check-out/ with two order lines (token auth);
  (b) the morning meeting dashboard of the 50-rep team (a manager's browser session);
  (c) the daily report JSON of a region: GET /api/v1/progress-snapshots/ of the last night (token);
  (d) the meeting-time rush: the same dashboard's live table, polled by every screen of the team;
  (e) the same with the screen's version in If-None-Match (answered 304 while nothing changed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesops.settings")
# The sessions made here must verify in gunicorn: both sides use the same key.
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.server import (  # noqa: E402
    gunicorn_running,
    load_average,
    load_one_minute,
    production_environment,
    static_collect,
)
from meetings import services as meeting_services  # noqa: E402
from meetings.models import Meeting  # noqa: E402
from org.models import Customer, Product, Team  # noqa: E402
from org.tokens import api_token_issue  # noqa: E402
from reports.models import NightlyRun  # noqa: E402
from reports.night.run import night_compute  # noqa: E402
from visits.models import Visit, VisitSheet  # noqa: E402

CONNECTIONS = 32
FILING_REPS = 200
VISITS_PER_REP = 40  # checked-in visits waiting for their check-out: more than a run can use

LUA_ROTATE = """
local requests = %(requests)s
local counter = 0
local offset = 0
local threads = {}
local thread_number = 0

function setup(thread)
  thread:set("number", thread_number)
  thread_number = thread_number + 1
end

function init(args)
  offset = number
end

request = function()
  -- each wrk thread takes every %(threads)d-th request, so no visit is checked out twice
  local index = (offset + counter * %(threads)d) %% #requests + 1
  counter = counter + 1
  local r = requests[index]
  return wrk.format(r[1], r[2], r[3], r[4])
end
"""


def lua_table(rows: list[tuple[str, str, dict, str]]) -> str:
    def quote(text: str) -> str:
        return json.dumps(text)

    items = []
    for method, path, headers, body in rows:
        header_items = ", ".join(f"[{quote(k)}] = {quote(v)}" for k, v in headers.items())
        items.append(f"{{{quote(method)}, {quote(path)}, {{{header_items}}}, {quote(body) if body else 'nil'}}}")
    return "{\n" + ",\n".join(items) + "\n}"


def prepare_filing(today: dt.date, rounds: int = 1) -> list[tuple[str, str, dict, str]]:
    """Open today's sheet of FILING_REPS reps and give each checked-in visits waiting for their check-out
    (VISITS_PER_REP for each round)."""
    reps = list(
        get_user_model()
        .objects.filter(username__startswith="scale-rep", memberships__team__code__gt="scale-t001")
        .order_by("username")[:FILING_REPS]
    )
    products = list(Product.objects.filter(code__startswith="SCALE-").order_by("code").values_list("pk", flat=True))
    rows = []
    rep_ids = [rep.pk for rep in reps]
    with transaction.atomic():
        VisitSheet.objects.filter(rep_id__in=rep_ids, date=today).update(
            status="draft", submitted_at=None, is_late=False
        )
        customers: dict[int, list[int]] = {}
        for customer_id, owner_id in (
            Customer.objects.filter(owner_id__in=rep_ids).order_by("id").values_list("id", "owner_id")
        ):
            customers.setdefault(owner_id, []).append(customer_id)
        checked_in = timezone.now() - dt.timedelta(minutes=5)
        # By the model (not raw SQL), so that fields added to visits keep their defaults here.
        created = Visit.objects.bulk_create(
            [
                Visit(
                    sheet=sheet,
                    customer_id=customers[sheet.rep_id][n % min(100, len(customers[sheet.rep_id]))],
                    planned=True,
                    purpose="order",
                    check_in_at=checked_in,
                )
                for sheet in VisitSheet.objects.filter(rep_id__in=rep_ids, date=today)
                for n in range(1, VISITS_PER_REP * rounds + 1)
            ]
        )
        waiting = [(visit.pk, visit.sheet_id) for visit in created]
    rep_of_sheet = dict(VisitSheet.objects.filter(rep_id__in=rep_ids, date=today).values_list("pk", "rep_id"))
    tokens = {rep.pk: api_token_issue(user=rep, device="bench")[1] for rep in reps}
    for number, (visit_id, sheet_id) in enumerate(sorted(waiting)):
        body = json.dumps(
            {
                "outcome": "Took an order",
                "order_lines": [
                    {"product": products[number % len(products)], "quantity": "6"},
                    {"product": products[(number + 7) % len(products)], "quantity": "12"},
                ],
            }
        )
        headers = {"Authorization": f"Token {tokens[rep_of_sheet[sheet_id]]}", "Content-Type": "application/json"}
        rows.append(("POST", f"/api/v1/visits/{visit_id}/check-out/", headers, body))
    # Interleave the reps, so concurrent requests are mostly about different sheets.
    rows.sort(key=lambda row: int(row[1].split("/")[4]) % (VISITS_PER_REP * rounds))
    return rows


def prepare_dashboard(today: dt.date) -> tuple[str, dict]:
    """The 50-rep team's morning meeting today and its manager's browser session."""
    meeting_services.meetings_ensure_for_day(day=today)
    team = Team.objects.get(code="scale-t001")
    meeting = Meeting.objects.filter(team=team, date=today, slot="morning").first()
    if meeting is None:
        sys.exit(f"no morning meeting on {today} (not a working day?)")
    client = Client()
    client.force_login(get_user_model().objects.get(username="scale-t001-manager"))
    cookie = f"sessionid={client.cookies['sessionid'].value}; django_language=en"
    return f"/meetings/{meeting.pk}/dashboard/", {"Cookie": cookie}


def live_table_etag(base: str, path: str, headers: dict) -> str:
    """The version a polling screen holds after its first poll of the live table."""
    request = urllib.request.Request(f"{base}{path}", headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers["ETag"]


def prepare_region_report() -> tuple[str, dict]:
    """A region manager's token and the region's daily report (month, sales) of the last finished night."""
    night = NightlyRun.objects.filter(status=NightlyRun.Status.FINISHED).order_by("-as_of").first()
    if night is None:
        as_of = timezone.localdate() - dt.timedelta(days=1)
        print(f"no finished night: computing {as_of} first", flush=True)
        night_compute(as_of=as_of)
        night = NightlyRun.objects.get(as_of=as_of)
    manager = get_user_model().objects.get(username="scale-r01-manager")
    token = api_token_issue(user=manager, device="bench")[1]
    path = f"/api/v1/progress-snapshots/?as_of={night.as_of}&period=month&metric_code=sales"
    return path, {"Authorization": f"Token {token}"}


def run_wrk(url: str, script: str, duration: int, threads: int, connections: int = CONNECTIONS) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "--latency"]
    output = subprocess.run([*command, "-s", handle.name, url], capture_output=True, text=True, check=True).stdout
    os.unlink(handle.name)

    def latency_ms(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests = int(re.search(r"(\d+) requests in", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(int(g) for g in socket.groups()) if socket else 0)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency_ms("50"),
        "p99": latency_ms("99"),
        "requests": requests,
        "errors": errors,
    }


def median_run(runs: list[dict]) -> dict:
    """The run of median throughput (the lower middle one of an even number); its errors are all runs' errors."""
    chosen = sorted(runs, key=lambda run: run["rps"])[(len(runs) - 1) // 2]
    return {**chosen, "errors": sum(run["errors"] for run in runs)}


def check_answer(base: str, method: str, path: str, headers: dict) -> str:
    """One request of a GET scenario, without following redirects: it must answer 200 (wrk counts 3xx as success)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(f"{base}{path}", headers=headers, method=method)
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=30) as response:
            return f"{response.status}, {len(response.read())} bytes"
    except urllib.error.HTTPError as error:
        sys.exit(f"{path} answered {error.code}: the scenario would measure an error page")


def main() -> None:
    parser = argparse.ArgumentParser(description="API and page load benchmark")
    parser.add_argument("--duration", type=int, default=15, help="seconds per scenario")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn worker processes")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--rounds", type=int, default=1, help="run the scenarios this many times in turn")
    parser.add_argument(
        "--only", default="", help="the scenarios to run besides the floor, by letter (e.g. ade); default: all"
    )
    parser.add_argument(
        "--floor-each", action="store_true", help="run the floor right before every scenario and compare with that one"
    )
    args = parser.parse_args()
    today = timezone.localdate()

    env = production_environment()
    static_collect(env)
    report_path, report_headers = prepare_region_report()
    dashboard_path, dashboard_headers = prepare_dashboard(today)
    filing = prepare_filing(today, args.rounds)
    print(f"prepared: {len(filing)} visits waiting for check-out, dashboard {dashboard_path}, report {report_path}")

    with gunicorn_running(port=args.port, workers=args.workers, env=env) as base:
        live_path = dashboard_path.replace("/dashboard/", "/dashboard/live/")
        etag = live_table_etag(base, live_path, dashboard_headers)
        scenarios = {
            "floor: one-query view": ("GET", "/bench/floor/", {}, ""),
            "(a) file a visit, 2 order lines": None,
            "(b) morning dashboard, 50 reps": ("GET", dashboard_path, dashboard_headers, ""),
            "(c) region daily report JSON": ("GET", report_path, report_headers, ""),
            # The meeting-time rush: every screen of the team polls the same live table.
            "(d) live table, 50 reps": ("GET", live_path, dashboard_headers, ""),
            "(e) live table, screen has it": ("GET", live_path, {**dashboard_headers, "If-None-Match": etag}, ""),
        }
        if args.only:
            scenarios = {name: s for name, s in scenarios.items() if name.startswith("floor") or name[1] in args.only}
        runs: dict[str, list[dict]] = {name: [] for name in scenarios}
        floor_name = "floor: one-query view"
        paired: dict[str, list[float]] = {name: [] for name in scenarios}  # the floor's req/s beside each run
        floor_script = LUA_ROTATE % {"requests": lua_table([scenarios[floor_name]]), "threads": args.wrk_threads}
        for number in range(args.rounds):
            for name, single in scenarios.items():
                if args.floor_each and name != floor_name:
                    # The floor right before the scenario: a burst of other work moves both alike.
                    floor_run = run_wrk(base, floor_script, args.duration, args.wrk_threads)
                    paired[name].append(floor_run["rps"])
                    print(f"round {number + 1} floor before {name}: {floor_run}", flush=True)
                # Each round files its own visits: a visit is checked out once.
                rows = filing[number :: args.rounds] if single is None else [single]
                if single is not None and "If-None-Match" in single[2]:
                    # The version the screen holds now (it changes each minute and with each write).
                    fresh = {**single[2], "If-None-Match": live_table_etag(base, single[1], dashboard_headers)}
                    rows = [(single[0], single[1], fresh, single[3])]
                if single is not None and number == 0 and "If-None-Match" not in single[2]:
                    print(f"{name}: {check_answer(base, *single[:3])}", flush=True)
                script = LUA_ROTATE % {"requests": lua_table(rows), "threads": args.wrk_threads}
                warm = run_wrk(base, script, 2, args.wrk_threads) if single is not None else None  # noqa: F841
                runs[name].append(run_wrk(base, script, args.duration, args.wrk_threads))
                runs[name][-1]["loadavg"] = load_one_minute()
                print(f"round {number + 1} {name}: {runs[name][-1]}", flush=True)
                if name == floor_name:
                    for other in paired:
                        if not args.floor_each:
                            paired[other].append(runs[name][-1]["rps"])
        results = {name: median_run(found) for name, found in runs.items()}

    # (throughput against the floor, p99 ms): issue 18 for (a), (d), (e); issue 8 for (b), (c).
    goals = {"(a)": (0.20, 300), "(b)": (0.50, 100), "(c)": (0.50, 100), "(d)": (0.50, 100), "(e)": (0.50, 100)}
    print()
    print(f"machine: {os.cpu_count()} cores; gunicorn {args.workers} sync workers; wrk {args.wrk_threads} threads,")
    print(f"{CONNECTIONS} connections, {args.duration} s per scenario, loopback, median of {args.rounds} round(s)")
    print(f"/proc/loadavg after the run: {load_average()}")
    print(f"{'scenario':34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'vs floor':>9} load   goals")
    for name, result in results.items():
        # Each round's throughput against the floor of the same round (or right before it), the median of those.
        floors = paired[name] if name != floor_name else [run["rps"] for run in runs[name]]
        ratio = statistics.median(run["rps"] / floor for run, floor in zip(runs[name], floors, strict=True))
        result["loadavg"] = "–".join(sorted({run["loadavg"] for run in runs[name]}, key=float))
        goal, p99_goal = goals.get(name[:3], (None, None))
        met = []
        if goal is not None:
            met.append(f"throughput ≥{goal:.0%} {'met' if ratio >= goal else 'MISSED'}")
            met.append(f"p99 ≤{p99_goal} ms {'met' if result['p99'] <= p99_goal else 'MISSED'}")
            met.append(f"0 errors {'met' if result['errors'] == 0 else 'MISSED'}")
        print(
            f"{name:34} {result['rps']:8.1f} {result['p50']:8.1f} {result['p99']:8.1f} {result['errors']:7d}"
            f" {ratio:8.0%} {result['loadavg']}  {'; '.join(met)}"
        )


if __name__ == "__main__":
    main()
