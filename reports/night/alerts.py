"""The night's alerts: a rep's month status crossing into behind or critical, a missing visit sheet; e-mailed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext as _

from org.models import Membership, Role
from reports.models import Alert, NightlyRun, PeriodKind, ProgressSnapshot
from reports.night.context import NightContext
from salesops.formatting import display_name, long_date
from salesops.formulas import Status
from visits.models import VisitSheet

WORSE = {Status.BEHIND: {Status.AHEAD, Status.WATCH, Status.NO_TARGET, None}}
WORSE[Status.CRITICAL] = WORSE[Status.BEHIND] | {Status.BEHIND}


def _managers_of(team_ids: Iterable[int], day: dt.date) -> dict[int, list[int]]:
    managers: dict[int, list[int]] = defaultdict(list)
    for team_id, user_id in (
        Membership.objects.active_on(day)
        .filter(team_id__in=set(team_ids), role=Role.MANAGER)
        .values_list("team_id", "user_id")
    ):
        managers[team_id].append(user_id)
    return managers


def alerts_raise(ctx: NightContext) -> list[Alert]:
    """Alert the rep and their managers when a month status crosses into behind/critical or a sheet is missing."""
    as_of = ctx.as_of
    previous_night = (
        NightlyRun.objects.filter(status=NightlyRun.Status.FINISHED, as_of__lt=as_of)
        .order_by("-as_of")
        .values_list("as_of", flat=True)
        .first()
    )
    month = ProgressSnapshot.objects.filter(period_kind=PeriodKind.MONTH, rep__isnull=False)
    now_rows = list(
        month.filter(as_of=as_of, status__in=[Status.BEHIND, Status.CRITICAL]).select_related("rep", "metric")
    )
    before: dict[tuple[int | None, int], str] = {}
    if previous_night:
        before = {
            (r["rep_id"], r["metric_id"]): r["status"]
            for r in month.filter(as_of=previous_night, rep_id__in=[r.rep_id for r in now_rows]).values(
                "rep_id", "metric_id", "status"
            )
        }
    wanted: list[Alert] = []
    team_of_rep: dict[int | None, int] = {}

    name = display_name

    for row in now_rows:
        if before.get((row.rep_id, row.metric_id)) not in WORSE[row.status]:
            continue
        team_of_rep[row.rep_id] = row.team_id
        params = {"rep": name(row.rep), "status": row.status, "metric": row.metric.name, "gap": str(row.gap_pp)}
        level = Alert.Level.DANGER if row.status == Status.CRITICAL else Alert.Level.WARNING
        cause = f"progress:{row.rep_id}:{row.metric_id}:{row.status}"
        wanted.append(
            Alert(
                user_id=cast(int, row.rep_id),
                cause=cause,
                day=as_of,
                level=level,
                params=params,
                subject_rep_id=row.rep_id,
            )
        )
    if as_of in ctx.working:
        filed = VisitSheet.objects.filter(date=as_of, submitted_at__isnull=False).values("rep_id")
        missing = (
            Membership.objects.active_on(as_of).filter(role=Role.REP).exclude(user_id__in=filed).select_related("user")
        )
        for membership in missing:
            team_of_rep[membership.user_id] = membership.team_id
            wanted.append(
                Alert(
                    user_id=membership.user_id,
                    cause=f"missing-sheet:{membership.user_id}",
                    day=as_of,
                    level=Alert.Level.WARNING,
                    params={"rep": name(membership.user)},
                    subject_rep_id=membership.user_id,
                )
            )
    managers = _managers_of(team_of_rep.values(), as_of)
    for alert in list(wanted):
        for manager_id in managers.get(team_of_rep[alert.subject_rep_id], []):
            wanted.append(
                Alert(
                    user_id=manager_id,
                    cause=alert.cause,
                    day=as_of,
                    level=alert.level,
                    params=alert.params,
                    subject_rep_id=alert.subject_rep_id,
                )
            )
    for alert in wanted:
        alert.message = str(alert.text)[:300]
    existing = set(Alert.objects.filter(day=as_of).values_list("user_id", "cause"))
    new = [a for a in wanted if (a.user_id, a.cause) not in existing]
    Alert.objects.bulk_create(new, ignore_conflicts=True)
    if new and ctx.settings.email_alerts:
        transaction.on_commit(lambda: alerts_email([a.user_id for a in new], as_of))
    return new


def alerts_email(user_ids: Sequence[int], day: dt.date) -> None:
    """Send each user one e-mail listing the day's new alerts (Django's mail backend)."""
    by_user: dict[int, list[str]] = defaultdict(list)
    for alert in Alert.objects.filter(day=day, user_id__in=user_ids):
        by_user[alert.user_id].append(alert.message)
    for user in get_user_model().objects.filter(id__in=by_user).exclude(email=""):
        send_mail(
            subject=_("SalesOps alerts for %(day)s") % {"day": long_date(day)},
            message="\n".join(by_user[user.pk]),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[user.email],
            fail_silently=True,
        )
