from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self) -> None:
        # Inside ready(): these modules connect receivers and import models, loaded once every app is registered.
        from meetings import live_table, receivers

        live_table.connect()
        receivers.connect()
