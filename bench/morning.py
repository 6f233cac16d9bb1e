"""The morning meeting of a big company as a traffic model: gunicorn on 127.0.0.1 driven by wrk with a Lua script.

    DJANGO_SETTINGS_MODULE=salesops.settings .venv/bin/python bench/seed_scale.py --reps 5000 --days 20 --reset
    DJANGO_SETTINGS_MODULE=salesops.settings .venv/bin/python bench/morning.py --sizes 250,500,1000,2000,5000

For a company of N reps (the first teams of the scale data set, 8 reps and a manager each) during the 15-minute
meeting window:

- every rep and manager has their team's morning dashboard open, and its live table polls every 30 s
  (``/meetings/<id>/dashboard/live/``): (N + N / 8) / 30 requests a second;
- a tenth of the reps file a visit a minute (``POST /api/v1/visits/<id>/check-out/`` with two order lines, token
  auth): N / 10 / 60 a second;
- every manager opens the daily report of their team once (``/reports/``): N / 8 / 900 a second.

wrk keeps 1.5 × the offered rate connections open; each waits a random (exponential) think time of ~1.5 s before its
next request (each connection stands for many users), so that the offered rate is the model's rate for N. The
request of each turn is drawn by the model's shares. Only leaders may open a meeting dashboard, so every poll of a
team's table carries its manager's session (the table is one rendering for all its viewers; a rep's screen in the
room is the manager's). Each size is
measured after the floor (a one-query view, 32 connections, no think time) of the same moment, and the report gives
the achieved rate, p50 and p99 of all requests, errors (non-2xx/3xx and socket errors) and the load average.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesops.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")

import django  # noqa: E402

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model  # noqa: E402
from django.contrib.sessions.backends.cached_db import SessionStore  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.load import LUA_ROTATE, lua_table, run_wrk  # noqa: E402
from bench.server import gunicorn_running, load_average, production_environment, static_collect  # noqa: E402
from meetings import services as meeting_services  # noqa: E402
from meetings.models import Meeting  # noqa: E402
from org.models import Customer, Membership, Product, Role, Team  # noqa: E402
from org.tokens import api_token_issue  # noqa: E402
from visits.models import Visit, VisitSheet  # noqa: E402

POLL_SECONDS = 30
WINDOW_SECONDS = 15 * 60
FILING_SHARE, FILINGS_PER_MINUTE = 0.10, 1

LUA_MODEL = """
local polls = %(polls)s
local filings = %(filings)s
local reports = %(reports)s
local p_poll, p_filing = %(p_poll)f, %(p_filing)f
local mean_delay_ms = %(mean_delay_ms)f
local threads, thread_number = %(threads)d, 0
local counter = 0

function setup(thread)
  thread:set("number", thread_number)
  thread_number = thread_number + 1
end

function init(args)
  math.randomseed(1000 + number)
end

local function pick(list)
  return list[math.random(#list)]
end

delay = function()
  -- capped well below wrk's 10 s timeout, which also counts a connection that waits
  return math.min(8000, math.floor(-math.log(1 - math.random()) * mean_delay_ms))
end

request = function()
  local draw = math.random()
  local r
  if draw < p_poll then
    r = pick(polls)
  elseif draw < p_poll + p_filing then
    -- each thread files every threads-th visit, so no visit is checked out twice
    local index = (number + counter * threads) %% #filings + 1
    counter = counter + 1
    r = filings[index]
  else
    r = pick(reports)
  end
  return wrk.format(r[1], r[2], r[3], r[4])
end
"""


def rates(reps: int) -> dict[str, float]:
    managers = -(-reps // 8)
    return {
        "poll": (reps + managers) / POLL_SECONDS,
        "filing": reps * FILING_SHARE * FILINGS_PER_MINUTE / 60,
        "report": managers / WINDOW_SECONDS,
    }


def model_script(
    polls: list, filings: list, reports: list, offered: dict[str, float], connections: int, threads: int
) -> str:
    total = sum(offered.values())
    return LUA_MODEL % {
        "polls": lua_table(polls),
        "filings": lua_table(filings),
        "reports": lua_table(reports),
        "p_poll": offered["poll"] / total,
        "p_filing": offered["filing"] / total,
        # ~1.5 s of think time a connection (fewer connections than users, each standing for many), less the ~50 ms
        # an answer takes, so that the offered rate is the model's.
        "mean_delay_ms": max(0.0, connections / total - 0.05) * 1000,
        "threads": threads,
    }


def company_teams(reps: int) -> list[Team]:
    """The first teams of the scale data set (by code) holding at least ``reps`` reps."""
    today = timezone.localdate()
    teams, counted = [], 0
    for team in Team.objects.filter(code__startswith="scale-t").order_by("code"):
        teams.append(team)
        counted += Membership.objects.active_on(today).filter(team=team, role=Role.REP).count()
        if counted >= reps:
            break
    return teams


def session_cookie(user) -> str:
    """A browser session of ``user``, as a login stores it (without a login's audit event, for thousands)."""
    session = SessionStore()
    now = int(timezone.now().timestamp())
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "org.auth.KeptUserBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session["login_at"] = session["last_seen"] = now
    session.create()
    return f"sessionid={session.session_key}; django_language=en"


def prepare(teams: list[Team], filings_needed: int) -> tuple[list, list, list]:
    today = timezone.localdate()
    meeting_services.meetings_ensure_for_day(day=today)
    meetings = {
        m.team_id: m.pk for m in Meeting.objects.filter(team__in=teams, date=today, slot="morning").only("id", "team")
    }
    users = get_user_model().objects
    polls, reports = [], []
    for team in teams:
        manager = users.get(username=f"scale-{team.code[6:]}-manager")
        cookie = session_cookie(manager)
        polls.append(("GET", f"/meetings/{meetings[team.pk]}/dashboard/live/", {"Cookie": cookie}, ""))
        reports.append(("GET", f"/reports/?team={team.pk}", {"Cookie": cookie}, ""))
    # A tenth of the reps file; each has enough checked-in visits waiting for their check-out.
    reps = list(users.filter(memberships__team__in=teams, memberships__role=Role.REP).order_by("username").distinct())[
        :: int(1 / FILING_SHARE)
    ]
    per_rep = -(-filings_needed // max(1, len(reps))) + 1
    products = list(Product.objects.filter(code__startswith="SCALE-").order_by("code").values_list("pk", flat=True))
    rep_ids = [rep.pk for rep in reps]
    customers: dict[int, list[int]] = {}
    for customer_id, owner_id in Customer.objects.filter(owner_id__in=rep_ids).values_list("id", "owner_id"):
        customers.setdefault(owner_id, []).append(customer_id)
    with transaction.atomic():
        VisitSheet.objects.filter(rep_id__in=rep_ids, date=today).update(
            status="draft", submitted_at=None, is_late=False
        )
        sheets = list(VisitSheet.objects.filter(rep_id__in=rep_ids, date=today))
        checked_in = timezone.now() - dt.timedelta(minutes=5)
        created = Visit.objects.bulk_create(
            [
                Visit(
                    sheet=sheet,
                    customer_id=customers[sheet.rep_id][n % len(customers[sheet.rep_id])],
                    planned=True,
                    purpose="order",
                    check_in_at=checked_in,
                )
                for sheet in sheets
                for n in range(per_rep)
            ]
        )
    rep_of_sheet = {sheet.pk: sheet.rep_id for sheet in sheets}
    tokens = {rep.pk: api_token_issue(user=rep, device="bench")[1] for rep in reps}
    filings = []
    for number, visit in enumerate(created):
        body = json.dumps(
            {
                "outcome": "Took an order",
                "order_lines": [
                    {"product": products[number % len(products)], "quantity": "6"},
                    {"product": products[(number + 7) % len(products)], "quantity": "12"},
                ],
            }
        )
        token = tokens[rep_of_sheet[visit.sheet_id]]
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        filings.append(("POST", f"/api/v1/visits/{visit.pk}/check-out/", headers, body))
    filings.sort(key=lambda row: int(row[1].split("/")[4]) % per_rep)  # the reps interleaved
    return polls, filings, reports


def main() -> None:
    parser = argparse.ArgumentParser(description="the morning meeting of a big company, as a traffic model")
    parser.add_argument("--sizes", default="250,500,1000,2000,3000,5000", help="company sizes in reps")
    parser.add_argument("--duration", type=int, default=180, help="seconds measured per size")
    parser.add_argument(
        "--warmup", type=int, default=60, help="seconds of the same traffic before each size is measured (not counted)"
    )
    parser.add_argument("--connections", type=int, default=0, help="default: 1.5 × the offered rate a second")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn worker processes")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument(
        "--threads",
        type=int,
        default=4,
        help="gthread threads a worker (0: sync workers); the think time holds each connection open between requests,"
        " which only a proxy in front of sync workers absorbs in production",
    )
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--p99-ms", type=float, default=300)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    env = production_environment()
    static_collect(env)
    prepared = {}
    for size in sizes:
        offered = rates(size)
        filings_needed = int(offered["filing"] * (args.warmup + args.duration + 10) * 1.5) + 20
        prepared[size] = prepare(company_teams(size), filings_needed)
        print(f"prepared {size} reps: {len(prepared[size][0])} teams, {len(prepared[size][1])} visits", flush=True)

    floor_script = LUA_ROTATE % {
        "requests": lua_table([("GET", "/bench/floor/", {}, "")]),
        "threads": args.wrk_threads,
    }
    results = []
    with gunicorn_running(port=args.port, workers=args.workers, env=env, threads=args.threads) as base:
        for size in sizes:
            polls, filings, reports = prepared[size]
            offered = rates(size)
            total = sum(offered.values())
            connections = args.connections or int(total * 1.5) + 2

            # The warm-up is the first minute of the meeting window (each session's first request, each team's first
            # rendering); it checks out visits of its own, so the measured minutes never file a visit twice.
            warm_filings = int(offered["filing"] * (args.warmup + 5) * 1.5) + 10
            if args.warmup:
                warm = model_script(polls, filings[:warm_filings], reports, offered, connections, args.wrk_threads)
                run_wrk(base, warm, args.warmup, args.wrk_threads, connections=connections)
            floor = run_wrk(base, floor_script, 10, args.wrk_threads)
            script = model_script(polls, filings[warm_filings:], reports, offered, connections, args.wrk_threads)
            run = run_wrk(base, script, args.duration, args.wrk_threads, connections=connections)
            run.update(
                size=size,
                offered=total,
                connections=connections,
                floor=floor["rps"],
                loadavg=load_average(),
            )
            results.append(run)
            print(f"{size} reps: {run}", flush=True)

    cores = os.cpu_count() or 1
    print()
    kind = f"gthread workers of {args.threads} threads" if args.threads else "sync workers"
    print(f"gunicorn {args.workers} {kind} on {cores} cores; wrk 1.5 connections per offered req/s, think time")
    print(f"exponential; {args.warmup} s of warm-up, then {args.duration} s measured per size; floor: one-query")
    print("view at 32 connections between the warm-up and the measured run")
    print(f"{'reps':>6} {'offered/s':>10} {'req/s':>8} {'floor/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}  load")
    best = None
    for run in results:
        ok = run["p99"] <= args.p99_ms and run["errors"] == 0 and run["rps"] >= 0.9 * run["offered"]
        best = run["size"] if ok else best
        print(
            f"{run['size']:6d} {run['offered']:10.1f} {run['rps']:8.1f} {run['floor']:8.1f} {run['p50']:8.1f}"
            f" {run['p99']:8.1f} {run['errors']:7d}  {run['loadavg']}  {'ok' if ok else 'OVER'}"
        )
    if best:
        print(f"largest size served (p99 ≤ {args.p99_ms:.0f} ms, 0 errors, ≥ 90 % of the offered rate): {best} reps,")
        print(f"{best / cores:.0f} reps per core")
    else:
        print("no size was served within the limits")


if __name__ == "__main__":
    main()
