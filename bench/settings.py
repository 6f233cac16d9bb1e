"""The production settings plus the benchmark's floor view (used only by bench/load.py's gunicorn)."""

from __future__ import annotations

import os
from pathlib import Path

from salesops.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# bench/phone.py collects the static files into a directory of its own (stored as the settings say).
if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
