"""Fixtures of the reports tests (defined in fixtures.py, so browser journeys can import them too)."""

from __future__ import annotations

from tests.reports.fixtures import night, november, sales_metric

__all__ = ["night", "november", "sales_metric"]
