"""Demo visit sheets of the year so far: plans, check-ins, orders (SaleRecords) and managers' reviews.

Each rep has a habit: most are diligent, some often late, a few careless. Idempotent: a rep's days that
already have a sheet are skipped. Everything is written with bulk_create, so a year takes seconds.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from org.calendar import working_dates
from org.models import Customer, Membership, Role
from visits.models import OrderLine, SaleRecord, Visit, VisitReview, VisitSettings, VisitSheet
from visits.services.customer_positions import check_in_location

BATCH = 2000
CENT = Decimal("0.01")
OUTCOMES = [
    "老板在店，补货完成",
    "陈列已调整到黄金位置",
    "新品试饮反馈不错",
    "收回上月货款",
    "竞品在做买赠活动，需跟进",
    "店主出差，店员接待",
    "库存偏高，本次未下单",
    "确认下周的堆头活动",
]
NEXT_STEPS = ["下周送海报", "跟进新品铺货", "约老板谈年度协议", "回访库存", "催收尾款", "安排促销员"]
DISCREPANCY_NOTES = [
    "电话回访：店主表示当天无人拜访",
    "市场走访：货架陈列与记录不符",
    "电话回访：订单数量与店主说法不一致",
]
# (share of reps, plan completion, chance of a late submission, chance of no submission)
HABITS = [("diligent", 0.92, 0.03, 0.0), ("late", 0.8, 0.35, 0.03), ("careless", 0.65, 0.2, 0.1)]
TIER_WEIGHT = {"A": 5, "B": 3, "C": 1}


def _rng(seed: str) -> random.Random:
    return random.Random(seed)


def _habit(rng: random.Random) -> tuple[str, float, float, float]:
    roll = rng.random()
    return HABITS[0] if roll < 0.65 else HABITS[1] if roll < 0.85 else HABITS[2]


def _at(day: dt.date, minutes: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(0, 0)) + dt.timedelta(minutes=minutes))


def seed(context: dict) -> None:
    reps = context.get("reps") or []
    products = [p for p in context.get("products") or [] if p.active]
    if not reps or not products:
        return
    rules = VisitSettings.load()
    today = timezone.localdate()
    now = timezone.now()
    days = working_dates(dt.date(today.year, 1, 1), today)
    rep_ids = [user.pk for user, _team in reps]
    existing = set(VisitSheet.objects.filter(rep_id__in=rep_ids, date__in=days).values_list("rep_id", "date"))
    joined = {}
    for membership in Membership.objects.filter(user_id__in=rep_ids, role=Role.REP):
        joined[membership.user_id] = min(joined.get(membership.user_id, membership.valid_from), membership.valid_from)
    managers = dict(
        Membership.objects.filter(team__in=[team for _user, team in reps], role=Role.MANAGER).values_list(
            "team_id", "user_id"
        )
    )
    customers: dict[int, list[Customer]] = {}
    for customer in Customer.objects.filter(owner_id__in=rep_ids).order_by("code", "pk"):
        customers.setdefault(customer.owner_id, []).append(customer)

    sheets: list[VisitSheet] = []
    plans: list[tuple[VisitSheet, list[dict]]] = []
    for user, team in reps:
        rng = _rng(f"visits-{user.username}")
        _name, completion, late_chance, missing_chance = _habit(rng)
        mine = customers.get(user.pk, [])
        if not mine:
            continue
        weights = [TIER_WEIGHT.get(c.tier, 1) for c in mine]
        for day in days:
            day_rng = _rng(f"{user.username}-{day.isoformat()}")
            if (user.pk, day) in existing or day < joined.get(user.pk, day):
                continue
            if day_rng.random() < missing_chance / 2:
                continue  # no sheet at all that day
            deadline = timezone.make_aware(dt.datetime.combine(day, rules.submission_deadline))
            sheet = VisitSheet(rep_id=user.pk, team_id=team.pk, date=day, deadline=deadline)
            is_today = day == today
            if not is_today and day_rng.random() >= missing_chance:
                if day_rng.random() < late_chance:
                    submitted = deadline + dt.timedelta(minutes=day_rng.randint(5, 600))
                else:
                    submitted = deadline - dt.timedelta(minutes=day_rng.randint(10, 240))
                sheet.status = VisitSheet.Status.SUBMITTED
                sheet.submitted_at = submitted
                sheet.is_late = submitted > deadline
            visits = []
            chosen = []
            for customer in day_rng.choices(mine, weights=weights, k=day_rng.randint(4, 7)):
                if customer not in chosen:
                    chosen.append(customer)
            start = 9 * 60
            for customer in chosen:
                start += day_rng.randint(45, 100)
                visits.append({"customer": customer, "planned": True, "minutes": start})
            if day_rng.random() < 0.25:
                customer = day_rng.choice(mine)
                if customer not in chosen:
                    visits.append({"customer": customer, "planned": False, "minutes": start + 60})
            for visit in visits:
                visit["done"] = day_rng.random() < (completion if visit["planned"] else 1.0)
                visit["arrive"] = visit["minutes"] + day_rng.randint(-20, 25)
                visit["stay"] = day_rng.randint(15, 55)
                if is_today:
                    visit["done"] = _at(day, visit["arrive"] + visit["stay"]) < now and visit["done"]
            sheets.append(sheet)
            plans.append((sheet, visits))

    VisitSheet.objects.bulk_create(sheets, batch_size=BATCH)

    visit_rows: list[Visit] = []
    visit_specs: list[dict] = []
    for sheet, specs in plans:
        rng = _rng(f"v-{sheet.rep_id}-{sheet.date.isoformat()}")
        for spec in specs:
            customer = spec["customer"]
            visit = Visit(
                sheet_id=sheet.pk,
                customer_id=customer.pk,
                planned=spec["planned"],
                planned_time=dt.time(spec["minutes"] // 60 % 24, spec["minutes"] % 60) if spec["planned"] else None,
                purpose=rng.choice(["order", "order", "follow_up", "display", "payment"])
                if spec["planned"]
                else rng.choice(["follow_up", "new_outlet", "complaint"]),
            )
            if spec["done"]:
                visit.check_in_at = _at(sheet.date, spec["arrive"])
                visit.check_out_at = visit.check_in_at + dt.timedelta(minutes=spec["stay"])
                if customer.latitude is not None and rng.random() < 0.85:
                    visit.latitude = (customer.latitude + Decimal(rng.randint(-30, 30)) / 100000).quantize(
                        Decimal("0.000001")
                    )
                    visit.longitude = (customer.longitude + Decimal(rng.randint(-30, 30)) / 100000).quantize(
                        Decimal("0.000001")
                    )
                    visit.accuracy_m = Decimal(rng.randint(5, 60))
                visit.check_in_synced_at = visit.check_in_at
                visit.location_status, visit.distance_m = check_in_location(
                    customer=customer,
                    latitude=visit.latitude,
                    longitude=visit.longitude,
                    accuracy_m=visit.accuracy_m,
                    rules=rules,
                )
                visit.outcome = rng.choice(OUTCOMES)
                if rng.random() < 0.5:
                    visit.next_step = rng.choice(NEXT_STEPS)
                    visit.next_visit_date = sheet.date + dt.timedelta(days=rng.choice([3, 7, 14]))
                visit.is_new_outlet = not spec["planned"] and visit.purpose == "new_outlet" and rng.random() < 0.5
            visit_rows.append(visit)
            visit_specs.append({"sheet": sheet, "rng": rng})
    Visit.objects.bulk_create(visit_rows, batch_size=BATCH)

    records: list[SaleRecord] = []
    lines: list[OrderLine] = []
    reviews: list[VisitReview] = []
    reviewed_sheets: set[int] = set()
    for visit, spec in zip(visit_rows, visit_specs, strict=True):
        if visit.check_out_at is None:
            continue
        sheet, rng = spec["sheet"], spec["rng"]
        if rng.random() < 0.55:
            for product in rng.sample(products, min(len(products), rng.randint(1, 3))):
                quantity = Decimal(rng.choice([2, 5, 6, 10, 12, 20, 24, 48]))
                amount = (quantity * product.unit_price * Decimal(rng.choice(["1", "0.95", "0.9"]))).quantize(CENT)
                record = SaleRecord(
                    date=sheet.date,
                    rep_id=sheet.rep_id,
                    team_id=sheet.team_id,
                    customer_id=visit.customer_id,
                    product_id=product.pk,
                    quantity=quantity,
                    amount=amount,
                    source=SaleRecord.Source.VISIT,
                )
                records.append(record)
                lines.append(OrderLine(visit_id=visit.pk, product_id=product.pk, quantity=quantity, amount=amount))
        manager_id = managers.get(sheet.team_id)
        if manager_id and sheet.status == VisitSheet.Status.SUBMITTED and rng.random() < 0.12:
            discrepancy = rng.random() < 0.06
            reviewed_at = sheet.submitted_at + dt.timedelta(hours=rng.randint(10, 30))
            reviews.append(
                VisitReview(
                    visit_id=visit.pk,
                    by_id=manager_id,
                    method=rng.choice(["call_back", "call_back", "market_walk"]),
                    result="discrepancy" if discrepancy else "confirmed",
                    note=rng.choice(DISCREPANCY_NOTES) if discrepancy else "",
                    resolved_at=reviewed_at + dt.timedelta(days=1)
                    if discrepancy and sheet.date < today - dt.timedelta(days=14)
                    else None,
                )
            )
            reviewed_sheets.add(sheet.pk)
    SaleRecord.objects.bulk_create(records, batch_size=BATCH)
    for line, record in zip(lines, records, strict=True):
        line.sale_record_id = record.pk
    OrderLine.objects.bulk_create(lines, batch_size=BATCH)
    VisitReview.objects.bulk_create(reviews, batch_size=BATCH)
    VisitSheet.objects.filter(pk__in=reviewed_sheets).update(status=VisitSheet.Status.REVIEWED)
