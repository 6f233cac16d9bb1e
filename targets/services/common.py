"""What the target services share: parsing values, checking rights and versions, the working copy of a
target's months and committing it (or proposing it for approval)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from org.audit import audit_record
from org.models import AuditEvent, Team
from org.scoping import scope_for
from org.selectors import rep_membership_on
from salesops.errors import VersionConflict
from salesops.formatting import month_label, parse_number
from salesops.limits import check_target
from targets import breakdown, profiles, selectors, signals
from targets.models import (
    DistributionProfile,
    Metric,
    PendingChange,
    Target,
    TargetChange,
    TargetPeriod,
)

User = get_user_model()


RESPREAD, CHANGE_ANNUAL = "respread", "change_annual"


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


def _month_values(target: Target) -> list[Decimal]:
    return [p.value for p in target.periods.order_by("month")]
