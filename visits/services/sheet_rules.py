"""What every write to a visit sheet shares: its deadline, whose draft it is, and the version it moves on to."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from salesops.versions import team_data_changed
from visits.models import VisitSettings, VisitSheet


def sheet_deadline(day: dt.date, *, rules: VisitSettings | None = None) -> dt.datetime:
    """The local date-time by which the sheet of ``day`` is due."""
    rules = rules or VisitSettings.load()
    return timezone.make_aware(dt.datetime.combine(day, rules.submission_deadline))


def sheet_touched(sheet: VisitSheet) -> None:
    """The sheet changed: its version moves on, and the meeting dashboards (which show its visits and orders)
    are told."""
    VisitSheet.objects.filter(pk=sheet.pk).update(version=F("version") + 1, updated_at=timezone.now())
    sheet.version += 1
    team_data_changed(sheet.team_id)


def require_own_draft(sheet: VisitSheet, by: AbstractBaseUser) -> None:
    """Refuse anyone but the sheet's rep, and a sheet no longer a draft."""
    if sheet.rep_id != by.pk:
        raise PermissionDenied
    if sheet.status != VisitSheet.Status.DRAFT:
        raise ValidationError({"sheet": _("This sheet is submitted and read-only; ask your manager to reopen it.")})
