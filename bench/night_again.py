"""Compute the given nights again from nothing (their snapshots, KPIs, alerts and run removed first), in order,
for comparing the rows of two versions of the night (``bench/night_rows.sh``):

    DJANGO_SETTINGS_MODULE=salesops.settings .venv/bin/python bench/night_again.py 2026-11-19 2026-11-20
"""

from __future__ import annotations

import datetime as dt
import sys
import time

from nightly import forget_night  # sets Django up

from reports.night.run import night_compute


def main() -> None:
    for night in sorted(dt.date.fromisoformat(arg) for arg in sys.argv[1:]):
        forget_night(night)
        started = time.perf_counter()
        night_compute(as_of=night)
        print(f"night {night}: {time.perf_counter() - started:.2f} s", flush=True)


if __name__ == "__main__":
    main()
