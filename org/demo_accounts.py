"""The demo logins, printed by `seed_demo` and `make run` (no model imports: the launcher reads it)."""

from __future__ import annotations

DEMO_PASSWORD = "demo1234"

# What seed_demo prints once the organisation (teams, users) is in: `make run` prints the logins then.
LOGINS_READY = "demo data: org ok"

DEMO_LOGINS: list[tuple[str, str]] = [
    ("director", "director, whole company / 总监"),
    ("manager1", "manager of 上海一组 (manager2–4: 杭州组, 广州组, 深圳组)"),
    ("rep01", "rep in 上海一组 (rep01–rep24, six per team)"),
]
