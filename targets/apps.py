from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from targets.migrations import _shipped


def _ship_metrics_and_profiles(sender: AppConfig, **kwargs) -> None:
    # The shipped metrics and profiles are data the code relies on: put them back after every migrate
    # and every flush (a flush emits post_migrate), not only in the first migration.
    from django.apps import apps as global_apps

    _shipped.ship(kwargs.get("apps") or global_apps, None)


class TargetsConfig(AppConfig):
    name = "targets"
    verbose_name = _("Targets")

    def ready(self) -> None:
        post_migrate.connect(_ship_metrics_and_profiles, sender=self, dispatch_uid="targets-shipped-rows")
