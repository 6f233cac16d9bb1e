"""The writes of the targets app, one transaction each, by job: editing a target, approving changes, allocating
down the tree, and setting up metrics, profiles, ramp plans and imports. Closing months is the reports' job."""

from targets.services.allocation import ALLOCATION_METHODS, ALLOCATION_WEIGHTS, target_allocate
from targets.services.approval import pending_change_approve, pending_change_reject
from targets.services.common import CHANGE_ANNUAL, RESPREAD, closed_month_message, profile_weights
from targets.services.editing import (
    target_acknowledge,
    target_approve,
    target_create,
    target_lock_months,
    target_override_month,
    target_reopen_month,
    target_set_annual,
    target_set_months,
    target_set_profile,
    target_update,
)
from targets.services.setup import metric_create, profile_create, ramp_plan_create, target_import_apply

__all__ = [
    "ALLOCATION_METHODS",
    "ALLOCATION_WEIGHTS",
    "CHANGE_ANNUAL",
    "RESPREAD",
    "closed_month_message",
    "metric_create",
    "pending_change_approve",
    "pending_change_reject",
    "profile_create",
    "profile_weights",
    "ramp_plan_create",
    "target_acknowledge",
    "target_allocate",
    "target_approve",
    "target_create",
    "target_import_apply",
    "target_lock_months",
    "target_override_month",
    "target_reopen_month",
    "target_set_annual",
    "target_set_months",
    "target_set_profile",
    "target_update",
]
