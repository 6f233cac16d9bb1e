from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # Inside ready(): the receivers import models, which Django loads only once every app is registered.
        from reports import signals

        signals.connect()
