"""The production settings plus the benchmark's floor view (used only by bench/load.py's gunicorn)."""

from __future__ import annotations

from salesops.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
