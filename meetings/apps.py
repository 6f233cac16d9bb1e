from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self) -> None:
        # Inside ready(): the live table's receivers import models, loaded only once every app is registered.
        from meetings import live_table

        live_table.connect()
