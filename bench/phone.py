"""The rep's phone on a slow mobile network: page weight and time to content, and bytes per sheet action.

    DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/phone.py [--json out.json]

Needs the demo company (``manage.py seed_demo``; loaded here when ``rep01`` is missing). Collects the static files
into a temporary directory, starts gunicorn (DEBUG=0, whitenoise with hashed and compressed files, bench.settings)
on 127.0.0.1 and drives Debian's headless Chromium through Playwright (the launch flags of tests/e2e/conftest.py),
every page on a 390 px phone with the network emulated by CDP (400 kbit/s down and up, 400 ms round trip) and
the CPU slowed 4× (``Emulation.setCPUThrottlingRate``).

For rep01's home, today's sheet, the meeting check-in and the drill-down it reports the bytes transferred
(``Network.loadingFinished``'s encodedDataLength: headers and compressed bodies, as they travel) with an empty
cache and on a later visit, and the time to content: first contentful paint and largest contentful paint after
the navigation started. Then, on the sheet, four taps (plan a visit, check in, check out, add an order line) on the
same new visit: the bytes transferred from the tap until the network is quiet again and the time until the page
shows the change. The service worker is blocked, so every byte goes through the emulated network and a later
visit shows what HTTP caching alone does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesops.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.server import gunicorn_running, load_average, production_environment, static_collect  # noqa: E402
from meetings.models import Meeting  # noqa: E402
from org.demo_accounts import DEMO_PASSWORD  # noqa: E402
from org.models import Membership  # noqa: E402
from tests.e2e.conftest import CHROMIUM_ARGS  # noqa: E402
from visits.models import Visit  # noqa: E402
from visits.services import rep_day  # noqa: E402

REP = "rep01"
BENCH_TIME = dt.time(6, 0)  # the visit the taps make is planned at 06:00: removed again before the next run
NETWORK = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}
CPU_SLOWDOWN = 4
PHONE = {"width": 390, "height": 844}


def prepare() -> dict:
    """rep01's draft sheet of today without the visit an earlier run made; the pages' addresses."""
    rep = get_user_model().objects.filter(username=REP).first()
    if rep is None:
        call_command("seed_demo")
        rep = get_user_model().objects.get(username=REP)
    sheet = rep_day.sheet_open(rep=rep)
    Visit.objects.filter(sheet=sheet, planned_time=BENCH_TIME).delete()
    team_ids = Membership.objects.filter(user=rep).values_list("team_id", flat=True)
    meeting = (
        Meeting.objects.filter(team_id__in=team_ids, date=timezone.localdate()).order_by("scheduled_at").last()
        or Meeting.objects.filter(team_id__in=team_ids).order_by("date", "scheduled_at").last()
    )
    taken = set(Visit.objects.filter(sheet=sheet).values_list("customer_id", flat=True))
    from org.selectors import customer_list_for

    customer = next(c for c in customer_list_for(user=rep).order_by("name") if c.pk not in taken)
    return {
        "rep": rep,
        "customer": customer,
        "pages": {
            "home": "/",
            "sheet": "/visits/today/",
            "meeting check-in": f"/meetings/{meeting.pk}/check-in/",
            "drill-down": f"/reports/reps/{rep.pk}/",
        },
    }


class Meter:
    """Bytes and requests on one page's CDP session, and whether the network is quiet."""

    def __init__(self, page) -> None:
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.cdp.send("Network.emulateNetworkConditions", NETWORK)
        self.cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        self.bytes = 0
        self.requests: dict[str, str] = {}
        self.finished: list[tuple[str, int]] = []
        self.cached = 0
        self.last_event = time.monotonic()
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.on("Network.loadingFailed", self._failed)
        self.cdp.on("Network.requestServedFromCache", self._from_cache)

    def _sent(self, event) -> None:
        self.requests[event["requestId"]] = event["request"]["url"]
        self.last_event = time.monotonic()

    def _finished(self, event) -> None:
        url = self.requests.pop(event["requestId"], "")
        self.bytes += int(event["encodedDataLength"])
        self.finished.append((url, int(event["encodedDataLength"])))
        self.last_event = time.monotonic()

    def _failed(self, event) -> None:
        self.requests.pop(event["requestId"], None)
        self.last_event = time.monotonic()

    def _from_cache(self, event) -> None:
        self.cached += 1

    def reset(self) -> None:
        self.bytes, self.finished, self.cached = 0, [], 0

    def settle(self, page, quiet: float = 1.5, limit: float = 60) -> None:
        """Wait until no request has been in flight for ``quiet`` seconds."""
        start = time.monotonic()
        while time.monotonic() - start < limit:
            page.wait_for_timeout(200)
            if not self.requests and time.monotonic() - self.last_event >= quiet:
                return


PAINTS = """() => new Promise((resolve) => {
  const paints = {};
  performance.getEntriesByType("paint").forEach((e) => { paints[e.name] = e.startTime; });
  let lcp = null;
  new PerformanceObserver((list) => { list.getEntries().forEach((e) => { lcp = e.startTime; }); })
    .observe({ type: "largest-contentful-paint", buffered: true });
  const nav = performance.getEntriesByType("navigation")[0];
  setTimeout(() => resolve({
    fcp: paints["first-contentful-paint"] ?? null,
    lcp: lcp,
    dcl: nav ? nav.domContentLoadedEventEnd : null,
    load: nav ? nav.loadEventEnd : null,
    scripts: Array.from(document.scripts).map((s) => s.src.split("/").pop()).filter(Boolean),
  }), 100);
})"""


def visit_page(context, path: str) -> dict:
    page = context.new_page()
    meter = Meter(page)
    page.goto(path, wait_until="load", timeout=120_000)
    meter.settle(page, quiet=1.0)
    timings = page.evaluate(PAINTS)
    result = {
        "bytes": meter.bytes,
        "requests": len(meter.finished),
        "from_cache": meter.cached,
        "url": page.url,
        **{k: round(v) if isinstance(v, float) else v for k, v in timings.items()},
        "largest": sorted(meter.finished, key=lambda item: -item[1])[:4],
    }
    page.close()
    return result


def tap_and_measure(page, meter: Meter, tap, shown: str) -> dict:
    meter.reset()
    start = time.monotonic()
    tap()
    page.wait_for_function(shown, timeout=60_000, polling=100)
    seen = time.monotonic() - start
    meter.settle(page)
    return {"bytes": meter.bytes, "requests": len(meter.finished), "shown_ms": round(seen * 1000)}


def sheet_actions(context, customer) -> dict:
    page = context.new_page()
    page.goto("/visits/today/", wait_until="load")
    page.evaluate("() => { window.benchMarker = 1; }")
    meter = Meter(page)
    results = {}

    def card_js(condition: str) -> str:
        name = json.dumps(customer.name, ensure_ascii=False)
        return (
            "() => { const card = Array.from(document.querySelectorAll('[data-testid=visit-card]'))"
            f".find((c) => c.dataset.customer === {name}); return {condition}; }}"
        )

    def plan() -> None:
        form = page.locator("[data-testid=plan-form]")
        form.locator("select[name=customer]").select_option(str(customer.pk))
        form.locator("input[name=planned_time]").fill(BENCH_TIME.strftime("%H:%M"))
        form.locator("button[type=submit]").click()

    results["plan"] = tap_and_measure(page, meter, plan, card_js("Boolean(card)"))

    def card():
        return page.locator(f"[data-testid=visit-card][data-customer={json.dumps(customer.name, ensure_ascii=False)}]")

    results["check in"] = tap_and_measure(
        page,
        meter,
        lambda: card().locator("[data-testid=check-in]").click(),
        card_js("card && Boolean(card.querySelector('[data-testid=check-out-form]'))"),
    )

    def check_out() -> None:
        form = card().locator("[data-testid=check-out-form]")
        form.locator("textarea[name=outcome]").fill("Shelf checked, order taken")
        form.locator("[data-testid=check-out]").click()

    results["check out"] = tap_and_measure(
        page, meter, check_out, card_js("card && card.classList.contains('border-success')")
    )

    def order() -> None:
        details = card().locator("details")
        details.locator("summary").click()
        form = details.locator("form").first
        form.locator("select[name=line_product]").first.select_option(index=1)
        form.locator("input[name=line_quantity]").first.fill("3")
        form.locator("button[type=submit]").click()

    results["add order line"] = tap_and_measure(
        page, meter, order, card_js("card && Boolean(card.querySelector('[data-testid=order-lines]'))")
    )
    results["page kept (no reload)"] = page.evaluate("() => window.benchMarker === 1")
    page.close()
    return results


def run(base: str, prepared: dict) -> dict:
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        options = {
            "base_url": base,
            "viewport": PHONE,
            "is_mobile": True,
            "has_touch": True,
            "device_scale_factor": 2,
            "locale": "zh-CN",
            "extra_http_headers": {"Accept-Language": "zh-Hans"},
            "service_workers": "block",
            "permissions": ["geolocation"],
            "geolocation": {"latitude": 31.2304, "longitude": 121.4737, "accuracy": 15},
        }
        login = browser.new_context(**options)
        page = login.new_page()
        page.goto("/accounts/login/")
        page.fill("#id_username", REP)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("[data-testid=user-menu]", state="attached")
        cookies = login.cookies()
        login.close()

        pages = {}
        for name, path in prepared["pages"].items():
            context = browser.new_context(**options)  # an empty cache
            context.add_cookies(cookies)
            first = visit_page(context, path)
            later = visit_page(context, path)
            pages[name] = {"first": first, "later": later}
            print(f"{name}: first {summary(first)}; later {summary(later)}", flush=True)
            context.close()

        context = browser.new_context(**options)
        context.add_cookies(cookies)
        actions = sheet_actions(context, prepared["customer"])
        for name, figures in actions.items():
            print(f"{name}: {figures}", flush=True)
        context.close()
        browser.close()
    return {"pages": pages, "actions": actions}


def summary(figures: dict) -> str:
    return (
        f"{figures['bytes'] / 1000:.1f} kB in {figures['requests']} requests ({figures['from_cache']} from cache), "
        f"FCP {figures['fcp']} ms, LCP {figures['lcp']} ms, load {figures['load']} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="the rep's pages on a slow phone network")
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    prepared = prepare()
    with tempfile.TemporaryDirectory(prefix="phone-static-") as static_root:
        env = production_environment(BENCH_STATIC_ROOT=static_root)
        static_collect(env)
        with gunicorn_running(port=args.port, workers=args.workers, env=env, ready_path="/accounts/login/") as base:
            loadavg = load_average()
            print(f"/proc/loadavg before: {loadavg}", flush=True)
            figures = run(base, prepared)
            figures["loadavg"] = [loadavg, load_average()]
            print(f"/proc/loadavg after: {figures['loadavg'][1]}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
