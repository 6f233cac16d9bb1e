"""Generate a company-scale data set reproducibly, with PostgreSQL COPY.

    DJANGO_SETTINGS_MODULE=salesops.settings .venv/bin/python bench/seed_scale.py --reps 100 --reset
    DJANGO_SETTINGS_MODULE=salesops.settings .venv/bin/python bench/seed_scale.py --reps 5000 --days 20 --reset

The data set of the performance issue at ``--reps 1000``: reps in teams of 8 (one team of 50 for the
dashboard benchmark) under 10 regions, 100 customers per rep, 8 visits per rep per working day of the
year, about 1.5 order lines per visit (each also a SaleRecord), approved targets on the 6 shipped
metrics for every rep, team, region and the company, split by a seasonal profile. A fixed random seed
makes every run produce the same rows. Foreign-key triggers are off during the COPY (the rows are
consistent by construction), which is why it takes minutes rather than hours. ``--days N`` seeds only the
last N working days up to today (a 5,000-rep company with a year of history is too big for a small machine).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesops.settings")

import django

django.setup()

from django.apps import apps  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from org.calendar import working_dates  # noqa: E402
from org.models import Membership, Product, Role, Team  # noqa: E402
from org.scoping import scopes_changed  # noqa: E402
from targets.breakdown import MONEY, WHOLE, split  # noqa: E402
from targets.models import DistributionProfile, Metric  # noqa: E402

PASSWORD = "pass-word-123"  # the test suite's password, so the load benchmark can log in
COMPANY_CODE = "scale"
REGIONS = 10
TEAM_SIZE = 8
BIG_TEAM_SIZE = 50
CUSTOMERS_PER_REP = 100
VISITS_PER_DAY = 8
NULL = "\\N"  # COPY text format
# Seasonal month factors: a peak before the Spring Festival, the holiday dip in February, a strong Q4.
SEASON = [1.15, 0.70, 0.95, 1.00, 1.00, 1.05, 0.95, 0.95, 1.05, 1.00, 1.05, 1.20]
LINES_PER_VISIT = ([0] * 25) + ([1] * 20) + ([2] * 35) + ([3] * 20)  # mean 1.5
PURPOSES = ["follow_up"] * 5 + ["order"] * 3 + ["payment", "display", "new_customer", "new_outlet"]
TABLES = [
    "visits_orderline",
    "visits_salerecord",
    "visits_visitreview",
    "visits_visit",
    "visits_visitsheet",
    "targets_targetperiod",
    "targets_targetchange",
    "targets_target",
    "reports_progresssnapshot",
    "reports_dailyactual",
    "reports_monthlyactual",
    "reports_executionkpisnapshot",
    "reports_alert",
    "reports_nightlyshard",
    "reports_nightlyrun",
]


def log(message: str, started: float) -> None:
    print(f"[{time.perf_counter() - started:7.1f}s] {message}", flush=True)


def _model_defaults(table: str, listed: set[str]) -> dict[str, object]:
    """The Django defaults of the model's required columns that the COPY does not list (a field added since
    this script was written keeps the data set loadable): column -> value."""
    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    defaults = {}
    for field in model._meta.concrete_fields:
        if field.column in listed or field.null or field.primary_key:
            continue
        if field.has_default():
            value = field.get_default()
            defaults[field.column] = json.dumps(value) if isinstance(value, dict | list) else value
        elif getattr(field, "blank", False) and field.get_internal_type() in ("CharField", "TextField"):
            defaults[field.column] = ""
    return defaults


def copy_rows(table: str, columns: str, buffer: io.StringIO) -> None:
    buffer.seek(0)
    defaults = _model_defaults(table, {name.strip() for name in columns.split(",")})
    with connection.cursor() as cursor:
        for column, value in defaults.items():
            cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT %s", [value])
        cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)  # psycopg2 cursor
        for column in defaults:
            cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT")


def next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return cursor.fetchone()[0]


def reset_sequence(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"
        )


def reset() -> None:
    """Remove a previous scale data set (and every row of the tables the nights write)."""
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(TABLES)} CASCADE")
        cursor.execute(
            "TRUNCATE org_customer, meetings_checkin, meetings_meeting, org_membership, "
            "org_historicalmembership, org_historicalcustomer CASCADE"
        )
        cursor.execute("DELETE FROM org_apitoken")
        cursor.execute("DELETE FROM auth_user WHERE username LIKE 'scale-%%'")
        cursor.execute(
            "DELETE FROM org_team WHERE path LIKE (SELECT path FROM org_team WHERE code = %s) || '%%'", [COMPANY_CODE]
        )
        cursor.execute("DELETE FROM org_product WHERE code LIKE 'SCALE-%%'")


def build_tree(reps: int, year_start: dt.date) -> tuple[Team, list[Team], list[Team], dict[int, list[int]], dict]:
    """The company, its regions and teams, and the users (director, managers, reps) with memberships."""
    company = Team.objects.create(name="Scale Company", code=COMPANY_CODE, kind=Team.Kind.COMPANY)
    regions = [
        Team.objects.create(
            name=f"Region {i + 1:02d}", code=f"scale-r{i + 1:02d}", kind=Team.Kind.REGION, parent=company
        )
        for i in range(REGIONS)
    ]
    sizes = [BIG_TEAM_SIZE] if reps >= 2 * BIG_TEAM_SIZE else []
    left = reps - sum(sizes)
    sizes += [TEAM_SIZE] * (left // TEAM_SIZE) + ([left % TEAM_SIZE] if left % TEAM_SIZE else [])
    teams = [
        Team.objects.create(name=f"Team {i + 1:03d}", code=f"scale-t{i + 1:03d}", parent=regions[i % REGIONS])
        for i in range(len(sizes))
    ]
    password = make_password(PASSWORD)
    now = dt.datetime.now(dt.UTC).isoformat()
    users = io.StringIO()
    user_id = next_id("auth_user")
    first_user = user_id
    people: dict = {"director": user_id, "managers": {}, "region_managers": {}}
    memberships = []

    def add_user(username: str, first: str, last: str) -> int:
        nonlocal user_id
        users.write(f"{user_id}\t{password}\tf\t{username}\t{first}\t{last}\t\tf\tt\t{now}\n")
        user_id += 1
        return user_id - 1

    add_user("scale-director", "Scale", "Director")
    memberships.append(Membership(user_id=first_user, team=company, role=Role.DIRECTOR, valid_from=dt.date(2020, 1, 1)))
    for region in regions:
        uid = add_user(f"scale-{region.code[6:]}-manager", region.name, "Manager")
        people["region_managers"][region.id] = uid
        memberships.append(Membership(user_id=uid, team=region, role=Role.MANAGER, valid_from=dt.date(2020, 1, 1)))
    reps_of: dict[int, list[int]] = {}
    rep_number = 0
    for team, size in zip(teams, sizes, strict=True):
        uid = add_user(f"scale-{team.code[6:]}-manager", team.name, "Manager")
        people["managers"][team.id] = uid
        memberships.append(Membership(user_id=uid, team=team, role=Role.MANAGER, valid_from=dt.date(2020, 1, 1)))
        reps_of[team.id] = []
        for _i in range(size):
            rep_number += 1
            uid = add_user(f"scale-rep{rep_number:04d}", "Rep", f"{rep_number:04d}")
            reps_of[team.id].append(uid)
            memberships.append(Membership(user_id=uid, team=team, role=Role.REP, valid_from=year_start))
    copy_rows(
        "auth_user",
        "id, password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined",
        users,
    )
    reset_sequence("auth_user")
    Membership.objects.bulk_create(memberships, batch_size=2000)
    scopes_changed()  # bulk_create sends no signal: no scope kept from an earlier data set is taken
    return company, regions, teams, reps_of, people


def build_products(rng: random.Random) -> list[tuple[int, bool, str, Decimal]]:
    groups = ["Drinks", "Snacks", "Dairy", "Household", "Personal care"]
    products = [
        Product(
            code=f"SCALE-{i + 1:03d}",
            name=f"Product {i + 1:03d}",
            group=groups[i % len(groups)],
            is_new_line=i % 10 < 3,
            unit_price=Decimal(rng.choice([5, 8, 12, 18, 25, 36, 48, 60, 88, 120])),
        )
        for i in range(40)
    ]
    Product.objects.bulk_create(products)
    return [(p.id, p.is_new_line, p.group, p.unit_price) for p in Product.objects.filter(code__startswith="SCALE-")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=100, help="number of reps (1000 = the full scale)")
    parser.add_argument("--year", type=int, default=dt.date.today().year)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--reset", action="store_true", help="remove a previous data set first")
    parser.add_argument(
        "--days",
        type=int,
        default=None,
        help="seed only the last N working days up to today (default: every working day of the year); the targets"
        " are still annual, scaled up from those days",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    rng = random.Random(args.seed)
    tz = ZoneInfo("Asia/Shanghai")
    year_start, year_end = dt.date(args.year, 1, 1), dt.date(args.year, 12, 31)
    days = working_dates(year_start, year_end)
    year_days = len(days)
    if args.days:
        # A short history for a big company (the meeting-time traffic model): the last N working days to today.
        days = [day for day in days if day <= min(dt.date.today(), year_end)][-args.days :]
    with transaction.atomic():
        with connection.cursor() as cursor:
            # The rows are consistent by construction: skip the per-row foreign-key triggers.
            cursor.execute("SET LOCAL session_replication_role = replica")
        if args.reset:
            reset()
            log("previous data set removed", started)
        if Team.objects.filter(code=COMPANY_CODE).exists():
            sys.exit("a scale data set exists already: run with --reset")
        company, regions, teams, reps_of, people = build_tree(args.reps, year_start)
        products = build_products(rng)
        team_of = {rep: team_id for team_id, reps in reps_of.items() for rep in reps}
        all_reps = [rep for team in teams for rep in reps_of[team.id]]
        log(f"{len(teams)} teams, {len(all_reps)} reps, {len(products)} products", started)

        # Reps' skill (some ahead, some behind) and trend through the year.
        skill = {rep: max(0.3, rng.lognormvariate(0, 0.3)) for rep in all_reps}
        trend = {rep: rng.uniform(-0.25, 0.25) for rep in all_reps}

        customer_id = next_id("org_customer")
        customers = io.StringIO()
        customers_of: dict[int, list[tuple[int, str]]] = {}
        new_customers: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])  # (rep, month) -> [cust, outlet]
        now = dt.datetime.now(dt.UTC).isoformat()
        kinds = ["outlet"] * 15 + ["distributor"] * 2 + ["key_account"] * 3
        tiers = ["A"] * 3 + ["B"] * 7 + ["C"] * 10
        for rep in all_reps:
            own = []
            for _i in range(CUSTOMERS_PER_REP):
                kind, tier = rng.choice(kinds), rng.choice(tiers)
                if rng.random() < 0.2:
                    first = rng.choice(days)
                    new_customers[(rep, first.month)][0] += 1
                    if kind == "outlet":
                        new_customers[(rep, first.month)][1] += 1
                else:
                    first = year_start - dt.timedelta(days=rng.randint(30, 2000))
                lat, lng = 31.0 + rng.random(), 121.0 + rng.random()
                customers.write(
                    f"{customer_id}\tC{customer_id:07d}\tCustomer {customer_id}\t{kind}\t{tier}\t\t\t"
                    f"\t{lat:.6f}\t{lng:.6f}"
                    f"\t{first}\t{now}\t{now}\t{rep}\t{team_of[rep]}\n"
                )
                # Tier A customers are called on more often.
                own.extend([(customer_id, kind)] * {"A": 4, "B": 2, "C": 1}[tier])
                customer_id += 1
            customers_of[rep] = own
        copy_rows(
            "org_customer",
            "id, code, name, kind, tier, contact_name, phone, address, latitude, longitude, first_order_date,"
            " created_at, updated_at, owner_id, team_id",
            customers,
        )
        log(f"{len(all_reps) * CUSTOMERS_PER_REP} customers", started)

        sheet_id, visit_id, line_id = (
            next_id("visits_visitsheet"),
            next_id("visits_visit"),
            next_id("visits_salerecord"),
        )
        line_id = max(line_id, next_id("visits_orderline"))
        actual = defaultdict(float)  # (rep, month, kind) -> value
        counts = {"sheets": 0, "visits": 0, "lines": 0}
        batch_days = 20
        for batch in range(0, len(days), batch_days):
            sheets, visits, sales, lines = io.StringIO(), io.StringIO(), io.StringIO(), io.StringIO()
            for day in days[batch : batch + batch_days]:
                season = SEASON[day.month - 1]
                progress = (day - year_start).days / 365
                deadline = dt.datetime.combine(day, dt.time(21, 0), tz).isoformat()
                for rep in all_reps:
                    team_id = team_of[rep]
                    level = skill[rep] * season * (1 + trend[rep] * (progress - 0.5) * 2)
                    minute = rng.randint(17 * 60, 22 * 60)
                    submitted = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tz)
                    status = "reviewed" if rng.random() < 0.3 else "submitted"
                    late = "t" if minute > 21 * 60 else "f"
                    sheets.write(
                        f"{sheet_id}\t{day}\t{status}\t{deadline}\t{submitted.isoformat()}\t{late}\tf\t\t1"
                        f"\t{now}\t{now}\t{rep}\t{team_id}\n"
                    )
                    own = customers_of[rep]
                    for slot in range(VISITS_PER_DAY):
                        customer, kind = rng.choice(own)
                        planned_minutes = 8 * 60 + 30 + slot * 55
                        check_in = dt.datetime.combine(
                            day, dt.time(planned_minutes // 60, planned_minutes % 60), tz
                        ) + dt.timedelta(minutes=rng.randint(-10, 25))
                        check_out = check_in + dt.timedelta(minutes=rng.randint(15, 45))
                        planned = "t" if rng.random() < 0.9 else "f"
                        visits.write(
                            f"{visit_id}\t{planned}\t{planned_minutes // 60:02d}:{planned_minutes % 60:02d}"
                            f"\t{rng.choice(PURPOSES)}\t{check_in.isoformat()}\t{check_out.isoformat()}"
                            f"\t\t\tf\tf\t{now}\t{now}\t{customer}\t{sheet_id}\n"
                        )
                        for _line in range(rng.choice(LINES_PER_VISIT)):
                            product_id, new_line, _group, price = rng.choice(products)
                            quantity = max(1, round(rng.uniform(2, 30) * level))
                            amount = price * quantity
                            sales.write(
                                f"{line_id}\t{day}\t{quantity}\t{amount}\tvisit\t{now}\t{customer}\t{product_id}"
                                f"\t{rep}\t{team_id}\n"
                            )
                            lines.write(
                                f"{line_id}\t{quantity}\t{amount}\t{now}\t{product_id}\t{line_id}\t{visit_id}\n"
                            )
                            actual[(rep, day.month, "new" if new_line else "old")] += float(amount)
                            line_id += 1
                            counts["lines"] += 1
                        visit_id += 1
                        counts["visits"] += 1
                    actual[(rep, day.month, "visits")] += VISITS_PER_DAY
                    sheet_id += 1
                    counts["sheets"] += 1
            copy_rows(
                "visits_visitsheet",
                "id, date, status, deadline, submitted_at, is_late, reopened, manager_comment, version,"
                " created_at, updated_at, rep_id, team_id",
                sheets,
            )
            copy_rows(
                "visits_visit",
                "id, planned, planned_time, purpose, check_in_at, check_out_at, outcome, next_step,"
                " is_new_customer, is_new_outlet, created_at, updated_at, customer_id, sheet_id",
                visits,
            )
            copy_rows(
                "visits_salerecord",
                "id, date, quantity, amount, source, created_at, customer_id, product_id, rep_id, team_id",
                sales,
            )
            copy_rows(
                "visits_orderline", "id, quantity, amount, created_at, product_id, sale_record_id, visit_id", lines
            )
            log(
                f"through {days[min(batch + batch_days, len(days)) - 1]}: {counts['sheets']} sheets,"
                f" {counts['visits']} visits, {counts['lines']} order lines / sale records",
                started,
            )

        if len(days) < year_days:  # annual targets from a short history: scaled up to the year
            scale = year_days / max(1, len(days))
            actual = defaultdict(float, {key: value * scale for key, value in actual.items()})
        build_targets(rng, args.year, company, regions, teams, reps_of, actual, new_customers, people)
        log("targets", started)
        for table in ("org_customer", "visits_visitsheet", "visits_visit", "visits_salerecord", "visits_orderline"):
            reset_sequence(table)
    with connection.cursor() as cursor:
        for table in ("org_customer", "visits_visitsheet", "visits_visit", "visits_salerecord", "visits_orderline"):
            cursor.execute(f"ANALYZE {table}")
    log("done (tables analysed)", started)


def build_targets(rng, year, company, regions, teams, reps_of, actual, new_customers, people) -> None:
    """Approved targets on every metric for every rep (its year's actual × 0.8–1.3) and rolled up to teams."""
    metrics = {m.actual_kind: m for m in Metric.objects.filter(active=True)}
    weights = [Decimal(str(round(w / sum(SEASON) * 100, 4))) for w in SEASON]
    weights[-1] += Decimal(100) - sum(weights)
    profile, _created = DistributionProfile.objects.get_or_create(
        name="Seasonal (scale)", defaults={"kind": DistributionProfile.Kind.SEASONAL, "weights": weights}
    )
    now = dt.datetime.now(dt.UTC).isoformat()
    target_id, period_id = next_id("targets_target"), next_id("targets_targetperiod")
    targets, periods = io.StringIO(), io.StringIO()
    director = people["director"]

    def annual_of(rep: int, kind: str) -> float:
        months = range(1, 13)
        if kind == "sales_amount":
            return sum(actual[(rep, m, "new")] + actual[(rep, m, "old")] for m in months)
        if kind == "new_line_amount":
            return sum(actual[(rep, m, "new")] for m in months)
        if kind == "established_amount":
            return sum(actual[(rep, m, "old")] for m in months)
        if kind == "new_customers":
            return sum(new_customers[(rep, m)][0] for m in months)
        if kind == "new_outlets":
            return sum(new_customers[(rep, m)][1] for m in months)
        return sum(actual[(rep, m, "visits")] for m in months)

    def add(team_id: int, rep_id: int | None, metric: Metric, value: Decimal, parent: int | None) -> int:
        nonlocal target_id, period_id
        precision = MONEY if metric.is_money else WHOLE
        value = value.quantize(precision)
        acknowledged, parent_text, rep_text = (now if rep_id else NULL), (parent or NULL), (rep_id or NULL)
        targets.write(
            f"{target_id}\t{year}\t{value}\tapproved\t{now}\t{acknowledged}\t1\t{now}\t{now}"
            f"\t{director}\t{director}\t{metric.id}\t{parent_text}\t{profile.id}\t{rep_text}\t{team_id}\n"
        )
        for month, month_value in enumerate(split(value, weights, precision), start=1):
            periods.write(f"{period_id}\t{month}\t{month_value}\tf\tf\t{target_id}\n")
            period_id += 1
        target_id += 1
        return target_id - 1

    for kind, metric in metrics.items():
        company_total = Decimal(0)
        region_rows: dict[int, Decimal] = defaultdict(Decimal)
        team_values: dict[int, tuple[Decimal, list]] = {}
        for team in teams:
            rep_values = [
                (rep, Decimal(str(round(annual_of(rep, kind) * rng.uniform(0.8, 1.3), 2)))) for rep in reps_of[team.id]
            ]
            team_values[team.id] = (sum((v for _r, v in rep_values), Decimal(0)), rep_values)
            region_rows[team.parent_id] += team_values[team.id][0]
        company_total = sum(region_rows.values(), Decimal(0))
        company_target = add(company.id, None, metric, company_total, None)
        region_target = {r.id: add(r.id, None, metric, region_rows[r.id], company_target) for r in regions}
        for team in teams:
            team_total, rep_values = team_values[team.id]
            team_target = add(team.id, None, metric, team_total, region_target[team.parent_id])
            for rep, value in rep_values:
                add(team.id, rep, metric, value, team_target)
    copy_rows(
        "targets_target",
        "id, fiscal_year, annual_value, status, approved_at, acknowledged_at, version, created_at, updated_at,"
        " approved_by_id, created_by_id, metric_id, parent_id, profile_id, rep_id, team_id",
        targets,
    )
    copy_rows("targets_targetperiod", "id, month, value, locked, overridden, target_id", periods)
    reset_sequence("targets_target")
    reset_sequence("targets_targetperiod")


if __name__ == "__main__":
    main()
