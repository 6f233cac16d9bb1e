"""Writes of the targets app; each checks the caller's scope. The services that views, the API and tasks call are
entry points, one transaction each (``salesops.transactions``); the parts they share (``_target_create``…) run
inside the caller's.

Once a target is approved, every change needs a reason and is kept as a TargetChange; a change by someone
who may not approve the target becomes a PendingChange that waits for the approver. A closed month (one
that has ended) keeps its value through every path unless a director reopens it with a reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from org.audit import audit_record
from org.models import AuditEvent, Role, Team
from org.scoping import scope_for
from org.selectors import rep_membership_on
from salesops import formulas
from salesops.errors import VersionConflict
from salesops.formatting import display_name, month_label, parse_number
from salesops.limits import check_target
from salesops.transactions import entry_point
from targets import breakdown, profiles, selectors, signals
from targets.models import (
    DistributionProfile,
    Metric,
    PendingChange,
    RampCheckpoint,
    RampPlan,
    Target,
    TargetChange,
    TargetPeriod,
)

User = get_user_model()

RESPREAD, CHANGE_ANNUAL = "respread", "change_annual"
ALLOCATION_METHODS = ("hand", "equal", "shares", "last_year")


# --- helpers ----------------------------------------------------------------------------------


def profile_weights(*, target: Target) -> list[Decimal]:
    """The twelve monthly weights of the target's distribution profile (even without one)."""
    profile = target.profile
    if profile is None or profile.kind == DistributionProfile.Kind.EVEN:
        return breakdown.even_weights()
    if profile.kind == DistributionProfile.Kind.WORKING_DAYS:
        return profiles.working_day_weights(target.fiscal_year)
    if profile.kind == DistributionProfile.Kind.SEASONAL:
        return [Decimal(w) for w in profile.weights]
    return profiles.last_year_weights(
        metric=target.metric, year=target.fiscal_year, team=None if target.rep_id else target.team, rep=target.rep
    )


def _as_decimal(value: Any, field: str) -> Decimal:
    try:
        number = parse_number(value)  # "1,234.5", full-width digits, "80万"
    except ValueError:
        raise ValidationError({field: _("Enter a number.")}) from None
    if not number.is_finite():
        raise ValidationError({field: _("Enter a number.")})
    if number < 0:
        raise ValidationError({field: _("A target cannot be negative.")})
    return check_target(number, field=field)


def _in_precision(value: Decimal, metric: Metric, field: str) -> Decimal:
    if value != value.quantize(metric.precision):
        message = _("Use whole numbers for this metric.") if not metric.is_money else _("Use at most two decimals.")
        raise ValidationError({field: message})
    return value.quantize(metric.precision)


def _check_manage(*, by: AbstractBaseUser, target: Target) -> None:
    if not scope_for(by).can_manage(target.team_id):
        raise PermissionDenied


def _check_version(target: Target, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != target.version:
        raise VersionConflict(
            _("Someone else changed this target in the meantime; reload the page and try again."), current=target
        )


def _refuse_stale(
    expected: Mapping[str, int | None], current: Mapping[str, Target | None], labels: Mapping[str, str]
) -> None:
    """Refuse, naming them, the rows whose target changed (or appeared) since the user saw its ``version``."""
    stale = [
        labels.get(key, key)
        for key, version in expected.items()
        if (current[key].version if current.get(key) is not None else None) != version
    ]
    if stale:
        raise VersionConflict(
            _(
                "Someone else changed these rows since you looked at them: %(rows)s. Nothing was changed; "
                "look at their current values and try again."
            )
            % {"rows": pgettext("list separator", ", ").join(stale)}
        )


def _require_reason(target: Target, reason: str) -> str:
    reason = (reason or "").strip()
    if target.is_approved and not reason:
        raise ValidationError({"reason": _("Give a reason: this target is already approved.")})
    return reason


def _record(target: Target, *, by: AbstractBaseUser, field: str, old: Any, new: Any, reason: str, month=None) -> None:
    # A closed month reopened by a director is kept even on a draft: a figure already shown changed.
    if (target.is_approved or field == "reopened_month") and str(old) != str(new):
        TargetChange.objects.create(
            target=target,
            changed_by=by,
            field=field,
            month=month,
            old_value=str(old),
            new_value=str(new),
            reason=reason,
        )
        where = f"{field}[{month}]" if month else field
        audit_record(
            action=AuditEvent.Action.TARGET_CHANGED,
            actor=by,
            obj=target,
            summary=f"{target}: {where} {old} → {new} ({reason})"[:500],
        )


def _touch(target: Target) -> None:
    target.version += 1
    if target.is_approved:
        # A changed target is acknowledged again by its rep.
        target.acknowledged_at = None
    target.save()


def _locked(target: Target) -> Target:
    """The target again, row-locked for the rest of the transaction, with what a re-spread needs."""
    return Target.objects.select_for_update(of=("self",)).select_related("metric", "profile", "team").get(pk=target.pk)


def _periods(target: Target) -> dict[int, TargetPeriod]:
    return {period.month: period for period in target.periods.select_for_update().order_by("month")}


def _spread(target: Target, periods: dict[int, TargetPeriod], *, months: Sequence[int], amount: Decimal) -> None:
    """Spread ``amount`` over ``months`` by the target's profile weights (in the metric's precision)."""
    if not months:
        return
    weights = profile_weights(target=target)
    values = breakdown.split(amount, [weights[m - 1] for m in months], target.metric.precision)
    for month, value in zip(months, values, strict=True):
        periods[month].value = value
        periods[month].overridden = False


def _save_periods(periods: dict[int, TargetPeriod]) -> None:
    TargetPeriod.objects.bulk_update(list(periods.values()), ["value", "locked", "overridden"])


def _fixed_months(periods: dict[int, TargetPeriod]) -> list[int]:
    return [m for m, p in periods.items() if p.locked or p.overridden]


def _respread_all(target: Target, periods: dict[int, TargetPeriod]) -> None:
    """Fit the free months (not locked, not set by hand) to the annual value."""
    fixed = _fixed_months(periods)
    fixed_total = sum((periods[m].value for m in fixed), Decimal(0))
    free = [m for m in breakdown.MONTHS if m not in fixed]
    remaining = target.annual_value - fixed_total
    if remaining < 0 or (not free and remaining != 0):
        raise ValidationError(
            {
                "annual_value": _(
                    "The locked and hand-set months already add up to %(fixed)s, more than the annual value."
                )
                % {"fixed": fixed_total}
            }
        )
    _spread(target, periods, months=free, amount=remaining)


def _month_names(months: Sequence[int]) -> str:
    return ", ".join(month_label(m) for m in sorted(months))


def _spread_difference(
    target: Target, periods: dict[int, TargetPeriod], *, months: Sequence[int], diff: Decimal
) -> None:
    """Add ``diff`` (a rise or a cut) to ``months`` by the target's profile weights, keeping their shape."""
    weights = profile_weights(target=target)
    shares = breakdown.split(abs(diff), [weights[m - 1] for m in months], target.metric.precision)
    for month, share in zip(months, shares, strict=True):
        periods[month].value += share if diff >= 0 else -share
    if any(periods[m].value < 0 for m in months):
        raise ValidationError(
            {
                "annual_value": _("The cut of %(cut)s is larger than the open months (%(months)s) can take.")
                % {"cut": -diff, "months": _month_names(months)}
            }
        )


def closed_month_message(months: Sequence[int]) -> str:
    """Why a change of these closed months is refused (the grid, the API, an import's preview)."""
    return _("%(months)s closed: a month that has ended keeps its target. A director can reopen it with a reason.") % {
        "months": _month_names(months)
    }


def _closed_error(months: Sequence[int]) -> ValidationError:
    return ValidationError({f"month_{min(months)}": closed_month_message(months)})


def _needs_approval(*, by: AbstractBaseUser, target: Target) -> bool:
    """A change of an approved target by someone who may not approve it waits for the approver."""
    return target.is_approved and not selectors.is_approver(user=by, target=target)


def _working_copy(*, by: AbstractBaseUser, target: Target) -> tuple[dict[int, TargetPeriod], dict]:
    """The target's months to change in memory, and its approved state (months, annual, profile).

    Someone whose change waits for approval changes the open proposal when there is one, so their changes add up.
    """
    periods = _periods(target)
    approved = {
        "months": [periods[m].value for m in breakdown.MONTHS],
        "annual": target.annual_value,
        "profile": target.profile,
    }
    if _needs_approval(by=by, target=target):
        proposal = target.pending_changes.select_for_update().filter(status=PendingChange.Status.PENDING).first()
        if proposal is not None:
            for month, value, overridden in zip(
                breakdown.MONTHS, proposal.new_months, proposal.new_overridden, strict=True
            ):
                periods[month].value, periods[month].overridden = value, overridden
            target.annual_value, target.profile = proposal.new_annual, proposal.new_profile
    return periods, approved


def _commit(
    target: Target,
    periods: dict[int, TargetPeriod],
    approved: dict,
    *,
    by: AbstractBaseUser,
    reason: str,
    changes: Sequence[tuple],
    reopened: Sequence[int] = (),
) -> Target:
    """Save a change (recording ``changes``: (field, month, old, new)), or keep it as a pending change.

    A closed month may not differ from its approved value, except the ``reopened`` ones (a director's reopening).
    """
    check_target(target.annual_value, field="annual_value")  # months summed up to an annual nobody would set
    new_months = [periods[m].value for m in breakdown.MONTHS]
    closed = selectors.closed_months(target.fiscal_year)
    altered = [m for m in sorted(closed) if new_months[m - 1] != approved["months"][m - 1] and m not in reopened]
    if altered:
        raise _closed_error(altered)
    if _needs_approval(by=by, target=target):
        proposal, _created = PendingChange.objects.update_or_create(
            target=target,
            status=PendingChange.Status.PENDING,
            defaults={
                "requested_by": by,
                "requested_at": timezone.now(),
                "reason": reason,
                "old_annual": approved["annual"],
                "new_annual": target.annual_value,
                "old_months": approved["months"],
                "new_months": new_months,
                "new_overridden": [periods[m].overridden for m in breakdown.MONTHS],
                "old_profile": approved["profile"],
                "new_profile": target.profile,
            },
        )
        audit_record(
            action=AuditEvent.Action.TARGET_CHANGED,
            actor=by,
            obj=target,
            summary=f"{target}: pending {approved['annual']} → {target.annual_value} ({reason})"[:500],
        )
        signals.change_requested.send(sender=PendingChange, change=proposal)
        fresh = _locked(target)
        fresh.pending_change = proposal
        return fresh
    _save_periods(periods)
    for field, month, old, new in changes:
        _record(target, by=by, field=field, month=month, old=old, new=new, reason=reason)
    _touch(target)
    target.pending_change = None
    return target


def _owner_team(*, team: Team | None, rep: AbstractBaseUser | None) -> Team | None:
    if rep is None:
        return team
    membership = rep_membership_on(rep, timezone.localdate())
    if membership is None:
        raise ValidationError({"rep": _("This user is not a rep of any team.")})
    if team is not None and not membership.team.path.startswith(team.path):
        raise ValidationError({"rep": _("This rep is not in the chosen team.")})
    return membership.team


# --- targets ----------------------------------------------------------------------------------


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


# --- pending changes --------------------------------------------------------------------------


def _pending_for_decision(*, by: AbstractBaseUser, change: PendingChange) -> tuple[PendingChange, Target]:
    change = PendingChange.objects.select_for_update().select_related("requested_by").get(pk=change.pk)
    target = _locked(change.target)
    if not selectors.is_approver(user=by, target=target):
        raise PermissionDenied
    if change.status != PendingChange.Status.PENDING:
        raise ValidationError({"status": _("This change has already been decided.")})
    return change, target


@entry_point
def pending_change_approve(*, by: AbstractBaseUser, change: PendingChange, reason: str = "") -> Target:
    """The approver approves a pending change: it takes effect now, is kept in the history with the requester's
    reason, and the rep acknowledges the target again."""
    change, target = _pending_for_decision(by=by, change=change)
    periods = _periods(target)
    current = [periods[m].value for m in breakdown.MONTHS]
    closed = selectors.closed_months(target.fiscal_year)
    altered = [m for m in sorted(closed) if change.new_months[m - 1] != current[m - 1]]
    if altered:
        raise _closed_error(altered)
    for month, value, overridden in zip(breakdown.MONTHS, change.new_months, change.new_overridden, strict=True):
        if periods[month].value != value:
            _record(
                target,
                by=change.requested_by,
                field="month",
                month=month,
                old=periods[month].value,
                new=value,
                reason=change.reason,
            )
        periods[month].value, periods[month].overridden = value, overridden
    if change.new_annual != target.annual_value:
        _record(
            target,
            by=change.requested_by,
            field="annual_value",
            old=target.annual_value,
            new=change.new_annual,
            reason=change.reason,
        )
    if change.new_profile_id != target.profile_id:
        _record(
            target,
            by=change.requested_by,
            field="profile",
            old=target.profile or "",
            new=change.new_profile or "",
            reason=change.reason,
        )
    target.annual_value, target.profile = change.new_annual, change.new_profile
    _save_periods(periods)
    TargetChange.objects.create(
        target=target,
        changed_by=by,
        field="change_approved",
        old_value=display_name(change.requested_by),
        new_value=str(change.new_annual),
        reason=(reason or "").strip(),
    )
    _touch(target)
    change.status, change.decided_by, change.decided_at = PendingChange.Status.APPROVED, by, timezone.now()
    change.decision_reason = (reason or "").strip()
    change.save()
    audit_record(
        action=AuditEvent.Action.TARGET_APPROVED,
        actor=by,
        obj=target,
        summary=f"{target}: change {change.old_annual} → {change.new_annual} approved"[:500],
    )
    signals.change_decided.send(sender=PendingChange, change=change)
    return target


@entry_point
def pending_change_reject(*, by: AbstractBaseUser, change: PendingChange, reason: str) -> PendingChange:
    """The approver rejects a pending change, with a reason; the approved values stay as they are."""
    change, target = _pending_for_decision(by=by, change=change)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for rejecting the change.")})
    change.status, change.decided_by, change.decided_at = PendingChange.Status.REJECTED, by, timezone.now()
    change.decision_reason = reason
    change.save()
    TargetChange.objects.create(
        target=target,
        changed_by=by,
        field="change_rejected",
        old_value=display_name(change.requested_by),
        new_value=str(change.new_annual),
        reason=reason,
    )
    audit_record(
        action=AuditEvent.Action.TARGET_CHANGED,
        actor=by,
        obj=target,
        summary=f"{target}: change {change.old_annual} → {change.new_annual} rejected ({reason})"[:500],
    )
    signals.change_decided.send(sender=PendingChange, change=change)
    return change


# --- cascade ----------------------------------------------------------------------------------


def _child_key(child: Team | AbstractBaseUser) -> str:
    return f"team:{child.pk}" if isinstance(child, Team) else f"rep:{child.pk}"


def _child_label(child: Team | AbstractBaseUser) -> str:
    return child.name if isinstance(child, Team) else display_name(child)


def _equal_weights(*, parent: Target, children: Sequence[Team | AbstractBaseUser], **_other: Any) -> list[Decimal]:
    """Every child the same share."""
    return [Decimal(1)] * len(children)


def _share_weights(*, keys: Sequence[str], shares: Mapping[str, Any], **_other: Any) -> list[Decimal]:
    """Each child's percentage, the percentages totalling 100."""
    weights = [_as_decimal(shares.get(key, ""), f"share_{key}") for key in keys]
    total = sum(weights, Decimal(0))
    if abs(total - 100) > breakdown.PERCENT_TOLERANCE:
        raise ValidationError({"shares": _("The shares total %(total)s%%; they must total 100%%.") % {"total": total}})
    return weights


def _last_year_weights(*, parent: Target, children: Sequence[Team | AbstractBaseUser], **_other: Any) -> list[Decimal]:
    """Each child's actuals of last year."""
    return [
        sum(
            profiles.monthly_actuals(
                metric=parent.metric,
                year=parent.fiscal_year - 1,
                team=child if isinstance(child, Team) else None,
                rep=None if isinstance(child, Team) else child,
            ),
            Decimal(0),
        )
        for child in children
    ]


# How each method that splits the parent's months weighs the children ("hand" takes typed annual values instead).
ALLOCATION_WEIGHTS: dict[str, Callable[..., list[Decimal]]] = {
    "equal": _equal_weights,
    "shares": _share_weights,
    "last_year": _last_year_weights,
}


def _existing_child_targets(parent: Target, children: Sequence[Team | AbstractBaseUser]) -> dict[str, Target]:
    """The children's targets of the parent's metric and year, by child key."""
    existing = {
        (f"rep:{t.rep_id}" if t.rep_id else f"team:{t.team_id}"): t
        for t in Target.objects.filter(metric=parent.metric, fiscal_year=parent.fiscal_year).filter(
            rep__in=[c for c in children if not isinstance(c, Team)]
        )
    }
    existing.update(
        {
            f"team:{t.team_id}": t
            for t in Target.objects.filter(
                metric=parent.metric,
                fiscal_year=parent.fiscal_year,
                rep__isnull=True,
                team__in=[c for c in children if isinstance(c, Team)],
            )
        }
    )
    return existing


def _refuse_stale_allocation(
    *,
    parent: Target,
    children: Sequence[Team | AbstractBaseUser],
    keys: Sequence[str],
    existing: dict[str, Target],
    versions: Mapping[str, int | None],
) -> None:
    """Refuse by name a row changed since the user saw it (the parent and the children's existing targets locked)."""
    locked = {
        t.pk: t for t in Target.objects.select_for_update(of=("self",)).filter(pk__in=[t.pk for t in existing.values()])
    }
    current = {"parent": parent, **{key: locked.get(t.pk) for key, t in existing.items()}}
    labels = {"parent": str(parent.team), **{k: _child_label(c) for k, c in zip(keys, children, strict=True)}}
    _refuse_stale({k: v for k, v in versions.items() if k == "parent" or k in keys}, current, labels)


def _allocate_to(
    *,
    by: AbstractBaseUser,
    parent: Target,
    child: Team | AbstractBaseUser,
    target: Target | None,
    annual: Decimal,
    months: list[Decimal] | None,
    reason: str,
) -> Target:
    """Create or update one child's target: its months when the parent's were split, else its annual value."""
    is_team = isinstance(child, Team)
    if target is None:
        return _target_create(
            by=by,
            metric=parent.metric,
            fiscal_year=parent.fiscal_year,
            annual_value=annual,
            team=child if is_team else parent.team,
            rep=None if is_team else child,
            profile=parent.profile,
            parent=parent,
            months=months,
            by_hand=False,
        )
    if target.parent_id != parent.pk:
        Target.objects.filter(pk=target.pk).update(parent=parent)
    if months:
        # A closed month keeps its value: only the open months are allocated again.
        current = _month_values(target)
        closed = selectors.closed_months(target.fiscal_year)
        values = [current[m - 1] if m in closed else v for m, v in zip(breakdown.MONTHS, months, strict=True)]
        return _target_set_months(by=by, target=target, values=values, reason=reason, by_hand=False)
    return _target_set_annual(by=by, target=target, annual_value=annual, reason=reason)


@entry_point
def target_allocate(
    *,
    by: AbstractBaseUser,
    parent: Target,
    children: Sequence[Team | AbstractBaseUser],
    method: str,
    values: dict[str, Any] | None = None,
    shares: dict[str, Any] | None = None,
    reason: str = "",
    versions: Mapping[str, int | None] | None = None,
) -> list[Target]:
    """Allocate a team target to child teams or reps, creating or updating their targets.

    ``hand`` takes each child's annual value from ``values`` (keys "team:<id>" / "rep:<id>");
    ``equal``, ``shares`` (percentages totalling 100) and ``last_year`` (each child's share of last
    year's actuals) split every month of the parent by ``ALLOCATION_WEIGHTS``, so the months of the children add
    up exactly. ``versions`` are the versions the user saw ("parent" and the children's keys; None: no target
    yet): a row changed since is refused by name and nothing is allocated.
    """
    parent = (
        Target.objects.select_for_update(of=("self",)).select_related("metric", "profile", "team").get(pk=parent.pk)
    )
    _check_manage(by=by, target=parent)
    if parent.rep_id:
        raise ValidationError({"parent": _("A rep's target cannot be allocated further.")})
    if method not in ALLOCATION_METHODS:
        raise ValidationError({"method": _("Choose how to allocate: by hand, equally, by shares or by last year.")})
    if not children:
        raise ValidationError({"children": _("There is nobody to allocate to.")})
    keys = [_child_key(child) for child in children]
    weigh = ALLOCATION_WEIGHTS.get(method)
    weights = weigh(parent=parent, children=children, keys=keys, shares=shares or {}) if weigh else None
    existing = _existing_child_targets(parent, children)
    if versions:
        _refuse_stale_allocation(parent=parent, children=children, keys=keys, existing=existing, versions=versions)
    if weights is None:
        values = values or {}
        annuals = [
            _in_precision(_as_decimal(values.get(key, "0"), f"value_{key}"), parent.metric, f"value_{key}")
            for key in keys
        ]
        child_months: list[list[Decimal]] | list[None] = [None] * len(children)
    else:
        parent_months = [p.value for p in parent.periods.order_by("month")]
        child_months = breakdown.split_columns(parent_months, weights, parent.metric.precision)
        annuals = [sum(months, Decimal(0)) for months in child_months]
    return [
        _allocate_to(
            by=by, parent=parent, child=child, target=existing.get(key), annual=annual, months=months, reason=reason
        )
        for child, key, annual, months in zip(children, keys, annuals, child_months, strict=True)
    ]


# --- metrics and profiles ---------------------------------------------------------------------


@entry_point
def metric_create(
    *, by: AbstractBaseUser, code: str, name: str, unit: str, actual_kind: str, product_group: str = ""
) -> Metric:
    """A director adds a metric, optionally restricted to a product group."""
    if not scope_for(by).is_director:
        raise PermissionDenied
    metric = Metric(code=code, name=name, unit=unit, actual_kind=actual_kind, product_group=product_group)
    metric.full_clean()
    metric.save()
    return metric


@entry_point
def profile_create(*, by: AbstractBaseUser, name: str, kind: str, weights: Sequence[Any] = ()) -> DistributionProfile:
    """A manager or director names a distribution profile; seasonal weights are 12 percentages totalling 100."""
    if scope_for(by).role not in (Role.DIRECTOR, Role.MANAGER):
        raise PermissionDenied
    clean_weights: list[Decimal] = []
    if kind == DistributionProfile.Kind.SEASONAL:
        try:
            clean_weights = [Decimal(str(w)) for w in weights]
        except InvalidOperation:
            raise ValidationError({"weights": _("Enter a number.")}) from None
        error = breakdown.seasonal_weights_error(clean_weights)
        if error:
            raise ValidationError({"weights": error})
    profile = DistributionProfile(name=name, kind=kind, weights=clean_weights)
    profile.full_clean()
    profile.save()
    return profile


# --- ramp plans -------------------------------------------------------------------------------


@entry_point
def ramp_plan_create(
    *,
    by: AbstractBaseUser,
    rep: AbstractBaseUser,
    checkpoints: dict[int, dict[str, Any]],
    start_date: dt.date | None = None,
) -> RampPlan:
    """A 30/60/90-day plan for a new rep, counted from the start of their current membership."""
    membership = rep_membership_on(rep, timezone.localdate())
    if membership is None:
        raise ValidationError({"rep": _("This user is not a rep of any team.")})
    if not scope_for(by).can_manage(membership.team_id):
        raise ValidationError({"rep": _("You do not manage this team, so you cannot set its targets.")})
    if set(checkpoints) != {30, 60, 90}:
        raise ValidationError({"checkpoints": _("Give the targets for day 30, 60 and 90.")})
    plan, _created = RampPlan.objects.update_or_create(
        rep=rep, start_date=start_date or membership.valid_from, defaults={"team": membership.team}
    )
    for day, values in sorted(checkpoints.items()):
        RampCheckpoint.objects.update_or_create(
            plan=plan,
            day=day,
            defaults={
                "visits": int(_as_decimal(values.get("visits", 0), "visits")),
                "new_customers": int(_as_decimal(values.get("new_customers", 0), "new_customers")),
                "amount": _as_decimal(values.get("amount", 0), "amount"),
            },
        )
    return plan


@entry_point
def target_import_apply(
    *,
    by: AbstractBaseUser,
    team: Team,
    fiscal_year: int,
    metric: Metric,
    rows: Sequence[tuple[str, Sequence[Any]]],
    reason: str = "",
    versions: Mapping[str, int | None] | None = None,
) -> int:
    """Apply checked import rows (owner code, twelve months) to one team's grid, all or nothing.

    The team's own row is its target; the other codes are its child teams or reps, allocated from it.
    ``versions`` are each code's target version at the preview (None: no target then); a row changed since is
    refused by name and nothing is applied. Returns how many targets were created or changed.
    """
    if not scope_for(by).can_manage(team.pk):
        raise PermissionDenied
    grid = selectors.grid_for(user=by, team=team, year=fiscal_year, metric=metric)
    by_code = {(row.rep.username if row.rep else row.team.code): row for row in [grid.parent, *grid.rows]}
    if versions is not None:
        targets_ = [row.target.pk for row in by_code.values() if row.target is not None]
        locked = {t.pk: t for t in Target.objects.select_for_update(of=("self",)).filter(pk__in=targets_)}
        # The grid is read now, so a target created since the preview is in it and no longer matches "none".
        current = {code: locked.get(row.target.pk) if row.target else None for code, row in by_code.items()}
        _refuse_stale(
            {code: versions.get(code) for code, _months in rows},
            current,
            {code: row.label for code, row in by_code.items()},
        )
    parent_target = grid.parent.target
    changed = 0
    ordered = sorted(rows, key=lambda item: item[0] != team.code)  # the team's own row first
    for code, months in ordered:
        row = by_code.get(code)
        if row is None:
            raise ValidationError({"code": _("“%(code)s” is not this team or one of its members.") % {"code": code}})
        values = [Decimal(str(v)) for v in months]
        if row.target is None:
            created = _target_create(
                by=by,
                metric=metric,
                fiscal_year=fiscal_year,
                annual_value=None,
                team=row.team,
                rep=row.rep,
                parent=None if row is grid.parent else parent_target,
                months=values,
            )
            if row is grid.parent:
                parent_target = created
            changed += 1
        elif _month_values(row.target) != values:
            _target_set_months(by=by, target=row.target, values=values, reason=reason)
            changed += 1
    return changed


def _month_values(target: Target) -> list[Decimal]:
    return [p.value for p in target.periods.order_by("month")]
