from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _refresh_calendar(sender: AppConfig, **kwargs) -> None:
    # The work calendar follows the installed packages: after every migrate (and flush) the days no director
    # set are refreshed, so an upgraded package's newly published year replaces an estimate.
    try:
        (kwargs.get("apps") or sender.apps).get_model("org", "WorkCalendarYear")
    except LookupError:  # migrated back to before calendar years existed
        return
    from org.services import calendar_refresh  # apps.py loads before the models: services import them

    calendar_refresh()


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from org import signals  # noqa: F401  (inside ready(): the receivers import models)

        post_migrate.connect(_refresh_calendar, sender=self, dispatch_uid="org-calendar-refresh")
