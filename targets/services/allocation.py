"""Allocating a target down the tree: one weights function per method, the child targets written in one go."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from org.models import Team
from salesops.formatting import display_name
from salesops.transactions import entry_point
from targets import breakdown, profiles, selectors
from targets.models import (
    Target,
)
from targets.services.common import _as_decimal, _check_manage, _in_precision, _month_values, _refuse_stale
from targets.services.editing import _target_create, _target_set_annual, _target_set_months

ALLOCATION_METHODS = ("hand", "equal", "shares", "last_year")


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
