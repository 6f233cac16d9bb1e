"""The target pages' Excel: the grid exported, a file imported with its preview and applied."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from openpyxl.utils import get_column_letter

from org.audit import audit_record
from org.models import AuditEvent
from org.scoping import require_role, scope_for, visible_teams
from salesops.formatting import error_text
from targets import excel, selectors, services
from targets.forms import ImportForm
from targets.models import Metric
from targets.views import (
    LEADERS,
    grid_params,
    grid_url,
)


@login_required
def export(request: HttpRequest) -> HttpResponse:
    require_role(request.user, *LEADERS)
    team, year, metric = grid_params(request, request.GET)
    content = excel.grid_workbook(selectors.grid_for(user=request.user, team=team, year=year, metric=metric))
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="targets-{team.code}-{metric.code}-{year}.xlsx"'
    audit_record(
        action=AuditEvent.Action.EXPORT, request=request, summary=f"targets {team.code} {metric.code} {year} xlsx"
    )
    return response


IMPORT_SESSION_KEY = "targets_import"


@login_required
def import_file(request: HttpRequest) -> HttpResponse:
    """Upload an .xlsx in the grid's layout and see a preview; every error is listed by row and column."""
    require_role(request.user, *LEADERS)
    data = request.POST if request.method == "POST" else request.GET
    team, year, metric = grid_params(request, data)
    if not scope_for(request.user).can_manage(team.pk):
        raise PermissionDenied
    grid_ = selectors.grid_for(user=request.user, team=team, year=year, metric=metric)
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {
        "form": form,
        "grid": grid_,
        "grid_query": urlencode({"team": team.pk, "year": year, "metric": metric.code}),
    }
    if request.method == "POST" and form.is_valid():
        result = excel.parse_workbook(form.cleaned_data["file"].read(), grid=grid_)
        context["result"] = result
        labels = {excel.owner_code(row): row.label for row in [grid_.parent, *grid_.rows]}
        targets = {excel.owner_code(row): row.target for row in [grid_.parent, *grid_.rows]}
        for row in result.rows:
            target = targets.get(row.code)
            closed = selectors.closed_month_changes(target, [Decimal(v) for v in row.months]) if target else []
            for month in closed:
                column = get_column_letter(excel.MONTH_COLUMNS[month - 1])
                result.errors.append(
                    {"row": row.line, "column": column, "message": services.closed_month_message([month])}
                )
        context["preview"] = [
            {
                "line": row.line,
                "code": row.code,
                "label": labels.get(row.code, ""),
                "months": row.months,
                "pending": selectors.import_row_waits(
                    user=request.user, target=targets.get(row.code), values=row.months
                ),
            }
            for row in result.rows
        ]
        if result.is_valid:
            token = uuid.uuid4().hex
            request.session[IMPORT_SESSION_KEY] = {
                "token": token,
                "team": team.pk,
                "year": year,
                "metric": metric.code,
                "reason": form.cleaned_data["reason"],
                "rows": [[row.code, row.months] for row in result.rows],
                # The version of every row's target as previewed: the apply refuses rows changed since.
                "versions": {
                    row.code: targets[row.code].version if targets.get(row.code) else None for row in result.rows
                },
            }
            context["token"] = token
    status = 400 if request.method == "POST" and not context.get("token") else 200
    return render(request, "targets/import.html", context, status=status)


@login_required
@require_POST
def import_apply(request: HttpRequest) -> HttpResponse:
    """Apply the previewed import, all or nothing."""
    require_role(request.user, *LEADERS)
    pending = request.session.get(IMPORT_SESSION_KEY)
    if not pending or pending.get("token") != request.POST.get("token"):
        messages.error(request, _("This import has expired; upload the file again."))
        return redirect("targets:grid")
    team = get_object_or_404(visible_teams(request.user), pk=pending["team"])
    metric = get_object_or_404(Metric, code=pending["metric"])
    back = grid_url(team.pk, pending["year"], metric.code)
    try:
        changed = services.target_import_apply(
            by=request.user,
            team=team,
            fiscal_year=pending["year"],
            metric=metric,
            rows=[(code, months) for code, months in pending["rows"]],
            reason=pending["reason"],
            versions=pending.get("versions", {}),
        )
    except ValidationError as exc:
        messages.error(request, _("Nothing was imported: %(error)s") % {"error": error_text(exc)})
        return redirect(back)
    del request.session[IMPORT_SESSION_KEY]
    messages.success(request, _("%(count)s targets imported.") % {"count": changed})
    return redirect(back)
