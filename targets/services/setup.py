"""Setting up: metrics, distribution profiles, ramp plans, and applying a targets import."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from org.models import Role, Team
from org.scoping import scope_for
from org.selectors import rep_membership_on
from salesops.transactions import entry_point
from targets import breakdown, selectors
from targets.models import (
    DistributionProfile,
    Metric,
    RampCheckpoint,
    RampPlan,
    Target,
)
from targets.services.common import _as_decimal, _month_values, _refuse_stale
from targets.services.editing import _target_create, _target_set_months


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
