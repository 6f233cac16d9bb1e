"""The target pages' changes after approval: a closed month reopened, the changes waiting for approval, a
month closed or reopened by a director."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from org.models import Role
from org.scoping import require_role
from salesops.formatting import error_text
from targets import selectors, services
from targets.forms import ReopenForm
from targets.models import PendingChange, Target
from targets.views import (
    LEADERS,
    target_action,
)


@login_required
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """A director changes one closed month of a target, with a reason."""
    require_role(request.user, Role.DIRECTOR)
    form = ReopenForm(request.POST)

    def run(target: Target) -> None:
        if not form.is_valid():
            raise ValidationError(form.errors)
        services.target_reopen_month(by=request.user, target=target, **form.cleaned_data)
        messages.success(request, _("The closed month is changed; the next night recomputes its figures."))

    return target_action(request, pk, run)


@login_required
def pending_list(request: HttpRequest) -> HttpResponse:
    """The changes of approved targets waiting for this user's approval, and those the user is waiting for."""
    require_role(request.user, *LEADERS)
    to_decide = selectors.pending_changes_to_decide(user=request.user)
    decided_ids = {change.pk for change in to_decide}
    mine = [change for change in selectors.pending_changes_for(user=request.user) if change.pk not in decided_ids]
    return render(request, "targets/pending.html", {"to_decide": to_decide, "waiting": mine})


def _pending_action(request: HttpRequest, pk: int, action) -> HttpResponse:
    change = get_object_or_404(selectors.pending_changes_for(user=request.user), pk=pk)
    try:
        action(change)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect(request.POST.get("next") or reverse("targets:pending"))


@login_required
@require_POST
def pending_approve(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, *LEADERS)

    def run(change: PendingChange) -> None:
        services.pending_change_approve(by=request.user, change=change, reason=request.POST.get("reason", ""))
        messages.success(request, _("The change is approved and in force."))

    return _pending_action(request, pk, run)


@login_required
@require_POST
def pending_reject(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, *LEADERS)

    def run(change: PendingChange) -> None:
        services.pending_change_reject(by=request.user, change=change, reason=request.POST.get("reason", ""))
        messages.success(request, _("The change is rejected; the approved values stay."))

    return _pending_action(request, pk, run)
