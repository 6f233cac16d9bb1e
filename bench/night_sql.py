"""Where a night's time goes: every SQL statement of one night timed and summed by statement.

    DJANGO_SETTINGS_MODULE=salesops.settings .venv/bin/python bench/night_sql.py 2026-11-20

Computes the night (in-process, as ``manage.py compute_progress`` does) with a database execute wrapper,
then prints the total, the time in SQL, and the statements that took the longest.
"""

from __future__ import annotations

import collections
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesops.settings")

import django

django.setup()

from django.db import connection  # noqa: E402

from reports.night.run import night_compute  # noqa: E402


def main() -> None:
    day = dt.date.fromisoformat(sys.argv[1] if len(sys.argv) > 1 else "2026-11-20")
    stats: dict[str, list] = collections.defaultdict(lambda: [0, 0.0])

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            entry = stats[" ".join(sql.split())[:110]]
            entry[0] += 1
            entry[1] += time.perf_counter() - started

    with connection.execute_wrapper(timed):
        started = time.perf_counter()
        night_compute(as_of=day)
        total = time.perf_counter() - started
    in_sql = sum(seconds for _count, seconds in stats.values())
    statements = sum(count for count, _seconds in stats.values())
    print(f"night {day}: {total:.2f} s, SQL {in_sql:.2f} s in {statements} statements")
    for sql, (count, seconds) in sorted(stats.items(), key=lambda item: -item[1][1])[:20]:
        print(f"{seconds:7.3f} s {count:4d}x  {sql}")


if __name__ == "__main__":
    main()
