"""Editing one target: create it, change its annual value, profile or months (a closed month only by a director,
with a reason), lock months, approve and acknowledge it."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from org.audit import audit_record
from org.models import AuditEvent, Team
from org.scoping import scope_for
from salesops import formulas
from salesops.limits import check_target
from salesops.transactions import entry_point
from targets import breakdown, selectors, signals
from targets.models import (
    DistributionProfile,
    Metric,
    Target,
    TargetChange,
    TargetPeriod,
)
from targets.services.common import (
    CHANGE_ANNUAL,
    RESPREAD,
    _as_decimal,
    _check_manage,
    _check_version,
    _closed_error,
    _commit,
    _fixed_months,
    _in_precision,
    _locked,
    _owner_team,
    _periods,
    _record,
    _require_reason,
    _respread_all,
    _save_periods,
    _spread,
    _spread_difference,
    _touch,
    _working_copy,
)


def _target_create(
    *,
    by: AbstractBaseUser,
    metric: Metric,
    fiscal_year: int,
    annual_value: Any,
    team: Team | None = None,
    rep: AbstractBaseUser | None = None,
    profile: DistributionProfile | None = None,
    parent: Target | None = None,
    months: Sequence[Any] | None = None,
    by_hand: bool = True,
) -> Target:
    """Create a draft annual target for a team or a rep the user manages, broken down to 12 months.

    With ``months`` the twelve values are taken as given and the annual is their sum; they count as
    set by hand unless ``by_hand`` is False (an allocation's split).
    """
    if team is None and rep is None:
        raise ValidationError({"team": _("Choose a team or a rep.")})
    owner_team = _owner_team(team=team, rep=rep)
    if not scope_for(by).can_manage(owner_team.pk):
        raise ValidationError(
            {"rep" if rep is not None else "team": _("You do not manage this team, so you cannot set its targets.")}
        )
    if not 2000 <= int(fiscal_year) <= 2100:
        raise ValidationError({"fiscal_year": _("Enter a year between 2000 and 2100.")})
    given_months = None
    if months is not None:
        given_months = [
            _in_precision(_as_decimal(v, f"month_{i}"), metric, f"month_{i}") for i, v in enumerate(months, start=1)
        ]
        if len(given_months) != 12:
            raise ValidationError({"months": _("Enter exactly 12 monthly values.")})
        annual = check_target(sum(given_months, Decimal(0)), field="months")
    else:
        annual = _in_precision(_as_decimal(annual_value, "annual_value"), metric, "annual_value")
    duplicate = Target.objects.filter(metric=metric, fiscal_year=fiscal_year)
    duplicate = duplicate.filter(rep=rep) if rep is not None else duplicate.filter(team=owner_team, rep__isnull=True)
    if duplicate.exists():
        raise ValidationError(
            {"metric": _("This owner already has a target on this metric for %(year)s.") % {"year": fiscal_year}}
        )
    target = Target(
        team=owner_team,
        rep=rep,
        metric=metric,
        fiscal_year=fiscal_year,
        annual_value=annual,
        profile=profile,
        parent=parent,
        created_by=by,
    )
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError:
        raise ValidationError(
            {"metric": _("This owner already has a target on this metric for %(year)s.") % {"year": fiscal_year}}
        ) from None
    periods = {m: TargetPeriod(target=target, month=m, value=Decimal(0)) for m in breakdown.MONTHS}
    if given_months is not None:
        for m, value in zip(breakdown.MONTHS, given_months, strict=True):
            periods[m].value = value
            periods[m].overridden = by_hand
    else:
        _spread(target, periods, months=list(breakdown.MONTHS), amount=annual)
    TargetPeriod.objects.bulk_create(periods.values())
    return target


target_create = entry_point(_target_create)


def _target_set_annual(
    *,
    by: AbstractBaseUser,
    target: Target,
    annual_value: Any,
    reason: str = "",
    expected_version: int | None = None,
) -> Target:
    """Change the annual value. Before any month has closed it is re-spread over the months that are neither
    locked nor set by hand; once months have closed, only the difference is spread, over the open free months,
    by the profile, and the closed months keep their values to the fen."""
    target = _locked(target)
    _check_manage(by=by, target=target)
    _check_version(target, expected_version)
    new = _in_precision(_as_decimal(annual_value, "annual_value"), target.metric, "annual_value")
    reason = _require_reason(target, reason)
    periods, approved = _working_copy(by=by, target=target)
    old = target.annual_value
    closed = selectors.closed_months(target.fiscal_year)
    if closed:
        free = [m for m in breakdown.MONTHS if m not in closed and m not in _fixed_months(periods)]
        if new != old:
            if not free:
                raise ValidationError(
                    {
                        "annual_value": _(
                            "No open month is left to take the change: the closed, locked and hand-set months "
                            "keep their values. A director can reopen a closed month with a reason."
                        )
                    }
                )
            _spread_difference(target, periods, months=free, diff=new - old)
        target.annual_value = new
    else:
        target.annual_value = new
        _respread_all(target, periods)
    return _commit(
        target, periods, approved, by=by, reason=reason, changes=[("annual_value", None, approved["annual"], new)]
    )


target_set_annual = entry_point(_target_set_annual)


def _target_set_profile(
    *,
    by: AbstractBaseUser,
    target: Target,
    profile: DistributionProfile | None,
    reason: str = "",
    expected_version: int | None = None,
) -> Target:
    """Choose another distribution profile; the free open months are re-spread by it (closed months keep theirs)."""
    target = _locked(target)
    _check_manage(by=by, target=target)
    _check_version(target, expected_version)
    reason = _require_reason(target, reason)
    periods, approved = _working_copy(by=by, target=target)
    target.profile = profile
    closed = selectors.closed_months(target.fiscal_year)
    if closed:
        free = [m for m in breakdown.MONTHS if m not in closed and m not in _fixed_months(periods)]
        amount = sum((periods[m].value for m in free), Decimal(0))
        _spread(target, periods, months=free, amount=amount)
    else:
        _respread_all(target, periods)
    old = approved["profile"]
    return _commit(
        target, periods, approved, by=by, reason=reason, changes=[("profile", None, old or "", profile or "")]
    )


target_set_profile = entry_point(_target_set_profile)


@entry_point
def target_update(
    *, by: AbstractBaseUser, target: Target, reason: str = "", expected_version: int | None = None, **changes: Any
) -> Target:
    """Change a target's ``profile`` and its ``annual_value`` (either or both, in ``changes``), all or nothing.

    ``expected_version`` is checked once, before the first change (the second follows the first's version).
    """
    if "profile" in changes:
        target = _target_set_profile(
            by=by, target=target, profile=changes["profile"], reason=reason, expected_version=expected_version
        )
        expected_version = None
    if "annual_value" in changes:
        target = _target_set_annual(
            by=by, target=target, annual_value=changes["annual_value"], reason=reason, expected_version=expected_version
        )
    return target


@entry_point
def target_override_month(
    *,
    by: AbstractBaseUser,
    target: Target,
    month: int,
    value: Any,
    mode: str = RESPREAD,
    reason: str = "",
    expected_version: int | None = None,
) -> Target:
    """Set one open month by hand.

    ``respread`` keeps the annual value and spreads what is left over the later, unlocked months;
    ``change_annual`` keeps the other months and makes the annual value their new sum.
    """
    target = _locked(target)
    _check_manage(by=by, target=target)
    _check_version(target, expected_version)
    if mode not in (RESPREAD, CHANGE_ANNUAL):
        raise ValidationError({"mode": _("Choose to re-spread the rest or to change the annual value.")})
    if month not in breakdown.MONTHS:
        raise ValidationError({"month": _("Choose a month from 1 to 12.")})
    new = _in_precision(_as_decimal(value, "value"), target.metric, "value")
    reason = _require_reason(target, reason)
    if month in selectors.closed_months(target.fiscal_year):
        raise _closed_error([month])
    periods, approved = _working_copy(by=by, target=target)
    period = periods[month]
    if period.locked:
        raise ValidationError({"value": _("This month is locked.")})
    old_month = approved["months"][month - 1]
    period.value, period.overridden = new, True
    if mode == CHANGE_ANNUAL:
        target.annual_value = sum((p.value for p in periods.values()), Decimal(0))
    else:
        later = [m for m in breakdown.MONTHS if m > month and not periods[m].locked and not periods[m].overridden]
        kept = sum((p.value for m, p in periods.items() if m not in later), Decimal(0))
        remaining = target.annual_value - kept
        if not later:
            raise ValidationError(
                {
                    "value": _(
                        "No later unlocked month is left to absorb the difference; change the annual value instead."
                    )
                }
            )
        if remaining < 0:
            raise ValidationError(
                {
                    "value": _(
                        "This month is too large: with the locked and earlier months it exceeds the annual value "
                        "by %(excess)s."
                    )
                    % {"excess": -remaining}
                }
            )
        _spread(target, periods, months=later, amount=remaining)
    changes = [("month", month, old_month, new), ("annual_value", None, approved["annual"], target.annual_value)]
    return _commit(target, periods, approved, by=by, reason=reason, changes=changes)


def _target_set_months(
    *, by: AbstractBaseUser, target: Target, values: Sequence[Any], reason: str = "", by_hand: bool = True
) -> Target:
    """Set all twelve months at once (an import, an allocation); the annual value becomes their sum."""
    target = _locked(target)
    _check_manage(by=by, target=target)
    reason = _require_reason(target, reason)
    periods, approved = _working_copy(by=by, target=target)
    changes = []
    for month, raw in zip(breakdown.MONTHS, values, strict=True):
        new = _in_precision(_as_decimal(raw, f"month_{month}"), target.metric, f"month_{month}")
        period = periods[month]
        if new == period.value:
            continue
        if period.locked:
            raise ValidationError({f"month_{month}": _("This month is locked.")})
        changes.append(("month", month, approved["months"][month - 1], new))
        period.value, period.overridden = new, by_hand
    target.annual_value = sum((p.value for p in periods.values()), Decimal(0))
    changes.append(("annual_value", None, approved["annual"], target.annual_value))
    return _commit(target, periods, approved, by=by, reason=reason, changes=changes)


target_set_months = entry_point(_target_set_months)


@entry_point
def target_reopen_month(*, by: AbstractBaseUser, target: Target, month: int, value: Any, reason: str) -> Target:
    """A director changes one closed month of one target, with a required reason; the annual value becomes the sum
    of the months. Kept in the history and the audit log; the next night recomputes the periods it touches."""
    target = _locked(target)
    if not scope_for(by).is_director:
        raise PermissionDenied
    if month not in breakdown.MONTHS:
        raise ValidationError({"month": _("Choose a month from 1 to 12.")})
    if month not in selectors.closed_months(target.fiscal_year):
        raise ValidationError({"month": _("This month is still open; change it in the grid.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for reopening a closed month.")})
    new = _in_precision(_as_decimal(value, "value"), target.metric, "value")
    periods, approved = _working_copy(by=by, target=target)
    old_month = periods[month].value
    periods[month].value, periods[month].overridden = new, True
    target.annual_value = sum((p.value for p in periods.values()), Decimal(0))
    changes = [
        ("reopened_month", month, old_month, new),
        ("annual_value", None, approved["annual"], target.annual_value),
    ]
    target = _commit(target, periods, approved, by=by, reason=reason, changes=changes, reopened=[month])
    signals.closed_month_changed.send(sender=Target, target=target, month=month, reason=reason, by=by)
    return target


@entry_point
def target_lock_months(*, by: AbstractBaseUser, target: Target, through_month: int, reason: str = "") -> Target:
    """Lock months 1..through_month so re-spreads leave them alone; only months already over can be locked."""
    target = Target.objects.select_for_update(of=("self",)).get(pk=target.pk)
    _check_manage(by=by, target=target)
    if through_month not in breakdown.MONTHS:
        raise ValidationError({"through_month": _("Choose a month from 1 to 12.")})
    _start, end = formulas.month_bounds(target.fiscal_year, through_month)
    if end >= timezone.localdate():
        raise ValidationError({"through_month": _("Only months that are over can be locked.")})
    periods = _periods(target)
    for month in range(1, through_month + 1):
        periods[month].locked = True
    _save_periods(periods)
    _record(target, by=by, field="locked_through", old="", new=through_month, reason=reason or _("Past months locked"))
    _touch(target)
    return target


@entry_point
def target_approve(*, by: AbstractBaseUser, target: Target) -> Target:
    """The manager above approves a draft target: a rep's manager, or the manager of a team's parent."""
    target = Target.objects.select_for_update(of=("self",)).select_related("team").get(pk=target.pk)
    if not selectors.is_approver(user=by, target=target):
        raise PermissionDenied
    if target.is_approved:
        raise ValidationError({"status": _("This target is already approved.")})
    target.status = Target.Status.APPROVED
    target.approved_by = by
    target.approved_at = timezone.now()
    target.version += 1
    target.save()
    TargetChange.objects.create(
        target=target, changed_by=by, field="status", old_value=Target.Status.DRAFT, new_value=target.status
    )
    audit_record(action=AuditEvent.Action.TARGET_APPROVED, actor=by, obj=target, summary=str(target)[:500])
    return target


@entry_point
def target_acknowledge(*, by: AbstractBaseUser, target: Target) -> Target:
    """The rep who owns an approved target acknowledges it (the time is kept)."""
    target = Target.objects.select_for_update(of=("self",)).get(pk=target.pk)
    if target.rep_id != by.pk:
        raise PermissionDenied
    if not target.is_approved:
        raise ValidationError({"status": _("Only an approved target can be acknowledged.")})
    if target.acknowledged_at is None:
        target.acknowledged_at = timezone.now()
        target.save(update_fields=["acknowledged_at", "updated_at"])
    return target
