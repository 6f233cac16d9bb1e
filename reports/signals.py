"""Receivers of the reports app, connected in ``ReportsConfig.ready()``."""

from __future__ import annotations

from django.db.models.signals import post_save

from reports.models import NightlyRun
from salesops.versions import company_data_changed


def _night_saved(sender, instance: NightlyRun, **kwargs) -> None:
    """A finished night changes yesterday's results on every page cached under the company's version (the
    meeting dashboard's live table among them)."""
    if instance.status == NightlyRun.Status.FINISHED:
        company_data_changed()


def connect() -> None:
    post_save.connect(_night_saved, sender=NightlyRun, dispatch_uid="live-table-night")
