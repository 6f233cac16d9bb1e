"""A director closes a month that has ended (its scores freeze) and reopens one with a reason, from the
scorecard."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from org.models import Role
from org.scoping import require_role
from reports import services
from salesops.formatting import error_text


def _month_action(request: HttpRequest, action) -> HttpResponse:
    require_role(request.user, Role.DIRECTOR)
    try:
        month = dt.datetime.strptime(request.POST.get("month", ""), "%Y-%m").date()
    except ValueError:
        month = None
    back = reverse("reports:scorecard") + (f"?month={month:%Y-%m}" if month else "")
    try:
        if month is None:
            raise ValidationError({"month": _("Choose a month.")})
        action(month)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect(back)


@login_required
@require_POST
def month_close(request: HttpRequest) -> HttpResponse:
    """A director closes a month that has ended: its scores freeze."""

    def run(month: dt.date) -> None:
        services.month_close(by=request.user, month=month)
        messages.success(request, _("The month is closed; its scores no longer change."))

    return _month_action(request, run)


@login_required
@require_POST
def month_reopen(request: HttpRequest) -> HttpResponse:
    """A director reopens a closed month with a reason: the next night recomputes its scores."""

    def run(month: dt.date) -> None:
        services.month_reopen(by=request.user, month=month, reason=request.POST.get("reason", ""))
        messages.success(request, _("The month is reopened; the next night recomputes its scores."))

    return _month_action(request, run)
