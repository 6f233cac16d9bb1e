"""Demo organisation: one company, 2 regions, 4 teams, a director, 4 managers, 24 reps,
about 300 customers and 20 products. Idempotent: rows are keyed by code / username."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from org.demo_accounts import DEMO_PASSWORD
from org.models import Customer, Membership, Product, Role, Team

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "强",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "秀英",
    "华",
    "丹",
    "鹏",
    "辉",
    "晨",
    "婷",
    "宇",
    "浩",
]

REGIONS = [
    (
        "east",
        "华东大区",
        [
            ("sh1", "上海一组", "上海", ["徐汇", "浦东", "静安", "闵行", "长宁"]),
            ("hz", "杭州组", "杭州", ["西湖", "拱墅", "滨江", "萧山", "余杭"]),
        ],
    ),
    (
        "south",
        "华南大区",
        [
            ("gz", "广州组", "广州", ["天河", "越秀", "海珠", "番禺", "白云"]),
            ("sz", "深圳组", "深圳", ["福田", "南山", "罗湖", "宝安", "龙岗"]),
        ],
    ),
]
OUTLET_KINDS = ["便利店", "超市", "烟酒店", "餐饮店", "母婴店", "社区店"]
STREETS = ["人民路", "中山路", "解放路", "建设路", "和平街"]
KEY_ACCOUNTS = ["华润万家", "永辉超市", "联华超市", "大润发", "盒马鲜生", "沃尔玛"]
PRODUCTS = [
    ("P01", "原味苏打水 500ml", "饮料", False, "3.50"),
    ("P02", "柠檬苏打水 500ml", "饮料", False, "3.50"),
    ("P03", "乌龙茶 500ml", "饮料", False, "4.00"),
    ("P04", "冷萃咖啡 280ml", "饮料", True, "8.00"),
    ("P05", "气泡椰子水 330ml", "饮料", True, "6.50"),
    ("P06", "零糖电解质水 600ml", "饮料", True, "5.50"),
    ("P07", "纯牛奶 250ml×12", "乳品", False, "42.00"),
    ("P08", "酸奶 200g×8", "乳品", False, "36.00"),
    ("P09", "燕麦奶 1L", "乳品", True, "18.00"),
    ("P10", "儿童成长奶 190ml×12", "乳品", True, "58.00"),
    ("P11", "原味薯片 70g", "零食", False, "6.00"),
    ("P12", "海苔卷 40g", "零食", False, "9.90"),
    ("P13", "坚果每日装 25g×30", "零食", False, "99.00"),
    ("P14", "冻干水果脆 30g", "零食", True, "12.90"),
    ("P15", "高蛋白棒 60g", "零食", True, "9.50"),
    ("P16", "手撕面包 400g", "烘焙", False, "15.80"),
    ("P17", "全麦吐司 500g", "烘焙", False, "13.50"),
    ("P18", "低糖蛋糕卷 6枚", "烘焙", True, "19.90"),
    ("P19", "速冻水饺 1kg", "冷冻", False, "29.90"),
    ("P20", "空气炸锅鸡翅 500g", "冷冻", True, "39.90"),
]


def _person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(SURNAMES), "".join(rng.sample(GIVEN, rng.choice([1, 2])))


def _user(username: str, first: str, last: str, *, is_staff: bool = False):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": first, "last_name": last, "is_staff": is_staff}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _membership(user, team: Team, role: str, valid_from: dt.date) -> None:
    Membership.objects.get_or_create(user=user, team=team, role=role, defaults={"valid_from": valid_from})


def seed(context: dict) -> None:
    rng = random.Random(20260101)
    today = timezone.localdate()
    year_start = dt.date(today.year, 1, 1)
    company, _ = Team.objects.get_or_create(
        code="haichuan", defaults={"name": "海川食品销售有限公司", "kind": Team.Kind.COMPANY}
    )
    director = _user("director", "建国", "周", is_staff=True)
    director.is_superuser = True
    director.save(update_fields=["is_superuser"])
    _membership(director, company, Role.DIRECTOR, dt.date(today.year - 3, 1, 1))

    products = []
    for code, name, group, is_new, price in PRODUCTS:
        product, _ = Product.objects.update_or_create(
            code=code, defaults={"name": name, "group": group, "is_new_line": is_new, "unit_price": Decimal(price)}
        )
        products.append(product)

    rep_number = 0
    manager_number = 0
    teams, reps = [], []
    for region_code, region_name, team_specs in REGIONS:
        region, _ = Team.objects.get_or_create(
            code=region_code, defaults={"name": region_name, "kind": Team.Kind.REGION, "parent": company}
        )
        for team_code, team_name, city, districts in team_specs:
            team, _ = Team.objects.get_or_create(
                code=team_code, defaults={"name": team_name, "kind": Team.Kind.TEAM, "parent": region}
            )
            teams.append(team)
            manager_number += 1
            last, first = _person(rng)
            manager = _user(f"manager{manager_number}", first, last)
            _membership(manager, team, Role.MANAGER, dt.date(today.year - 2, 3, 1))
            for seat in range(6):
                rep_number += 1
                last, first = _person(rng)
                rep = _user(f"rep{rep_number:02d}", first, last)
                # The last rep of each team joined recently, so the 30/60/90-day ramp has someone to follow.
                joined = (
                    today - dt.timedelta(days=40 + 5 * manager_number) if seat == 5 else dt.date(today.year - 1, 7, 1)
                )
                _membership(rep, team, Role.REP, joined)
                reps.append((rep, team))
                for n in range(12 + (rep_number % 2)):
                    code = f"C{rep_number:02d}{n:02d}"
                    roll = rng.random()
                    district = rng.choice(districts)
                    if roll < 0.1:
                        kind, name = (
                            Customer.Kind.DISTRIBUTOR,
                            f"{city}{district}{rng.choice(['佳禾', '恒通', '鑫源', '万达'])}商贸",
                        )
                    elif roll < 0.2:
                        kind, name = Customer.Kind.KEY_ACCOUNT, f"{rng.choice(KEY_ACCOUNTS)}（{district}店）"
                    else:
                        kind, name = (
                            Customer.Kind.OUTLET,
                            f"{district}{last}{rng.choice(['记', '家', '氏'])}{rng.choice(OUTLET_KINDS)}",
                        )
                    tier = "A" if rng.random() < 0.2 else ("B" if rng.random() < 0.45 else "C")
                    roll = rng.random()
                    if roll < 0.12 and today > year_start:
                        # won this year: the new customers and new outlets the targets count
                        first_order = year_start + dt.timedelta(days=rng.randint(0, (today - year_start).days - 1))
                    elif roll < 0.9:
                        first_order = year_start - dt.timedelta(days=rng.randint(30, 900))
                    else:
                        first_order = None  # a prospect
                    Customer.objects.get_or_create(
                        code=code,
                        defaults={
                            "name": f"{name}{n + 1}号" if kind == Customer.Kind.OUTLET else name,
                            "kind": kind,
                            "tier": tier,
                            "team": team,
                            "owner": rep,
                            "address": f"{city}市{district}区{rng.choice(STREETS)}{rng.randint(1, 999)}号",
                            "phone": f"13{rng.randint(100000000, 999999999)}",
                            "latitude": Decimal("31.2") + Decimal(rng.randint(-500, 500)) / 10000
                            if city == "上海"
                            else None,
                            "longitude": Decimal("121.45") + Decimal(rng.randint(-500, 500)) / 10000
                            if city == "上海"
                            else None,
                            "first_order_date": first_order,
                        },
                    )
    context.update({"company": company, "teams": teams, "reps": reps, "products": products, "director": director})
