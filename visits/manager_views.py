"""The manager's visit pages: the team's day, the visits to verify, a review and a comment, discrepancies, customer
coverage and positions, and the ERP sales import."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from org.scoping import require_role
from org.selectors import customer_list_for
from visits import excel, plausibility, routes, selectors
from visits.forms import (
    CommentForm,
    ReviewForm,
    SaleImportForm,
    TeamDayForm,
)
from visits.models import VisitSettings
from visits.services import customer_positions, manager_review, sales_import, sheet_rules
from visits.sheet_pages import LEADERS, attempt, flash_form, sheet_url, visible_sheet, visible_visit


@login_required
@require_POST
def visit_review(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, *LEADERS)
    visit = visible_visit(request, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        flash_form(request, form)
    else:
        attempt(
            request,
            lambda: manager_review.visit_review_create(by=request.user, visit=visit, **form.cleaned_data),
            _("Verification recorded."),
        )
    return redirect(sheet_url(visit.sheet_id, f"visit-{visit.pk}"))


@login_required
@require_POST
def sheet_comment(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, *LEADERS)
    sheet = visible_sheet(request, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        flash_form(request, form)
        return redirect(sheet_url(sheet.pk))
    comment = form.cleaned_data.get("comment", "")
    version = form.cleaned_data.get("version")
    if "reopen" in request.POST:
        attempt(
            request,
            lambda: manager_review.sheet_reopen(
                by=request.user, sheet=sheet, comment=comment, expected_version=version
            ),
            _("Sheet reopened: the rep can change it again."),
        )
    else:
        attempt(
            request,
            lambda: manager_review.sheet_comment(
                by=request.user, sheet=sheet, comment=comment, expected_version=version
            ),
            _("Comment saved."),
        )
    return redirect(sheet_url(sheet.pk))


@login_required
def team_day(request: HttpRequest) -> HttpResponse:
    require_role(request.user, *LEADERS)
    today_ = timezone.localdate()
    form = TeamDayForm(request.GET or None, user=request.user, initial={"date": today_})
    day, team = today_, None
    if form.is_valid():
        day = min(form.cleaned_data["date"] or today_, today_)
        team = form.cleaned_data["team"]
    rows = plausibility.with_day_doubts(selectors.team_day_for(user=request.user, day=day, team=team))
    context = {
        "form": form,
        "day": day,
        "team": team,
        "rows": rows,
        "totals": selectors.team_day_totals(rows),
        "undone": selectors.team_day_undone_reasons(rows),
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1) if day < today_ else None,
        "deadline_passed": timezone.now() > sheet_rules.sheet_deadline(day),
        "open_discrepancies": selectors.discrepancy_list_for(user=request.user).count(),
    }
    # A day or team the form refuses is a bad address: its errors show on the page, with a 400.
    return render(request, "visits/team_day.html", context, status=400 if form.errors else 200)


TO_VERIFY_DAYS = (1, 7, 30)


@login_required
def to_verify(request: HttpRequest) -> HttpResponse:
    require_role(request.user, *LEADERS)
    days = int(request.GET["days"]) if request.GET.get("days") in {str(n) for n in TO_VERIFY_DAYS} else 7
    today_ = timezone.localdate()
    rows = plausibility.to_verify_for(user=request.user, since=today_ - dt.timedelta(days=days - 1), until=today_)
    context = {
        "rows": rows,
        "days": days,
        "day_choices": TO_VERIFY_DAYS,
        "proposals": routes.proposed_positions_for(user=request.user),
    }
    return render(request, "visits/to_verify.html", context)


@login_required
@require_POST
def customer_position(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, *LEADERS)
    customer = get_object_or_404(customer_list_for(user=request.user), pk=pk)
    if request.POST.get("action") == "confirm":
        work, done = customer_positions.customer_position_confirm, _("Position confirmed for %(customer)s.")
    else:
        work, done = customer_positions.customer_position_dismiss, _("Proposed position dismissed for %(customer)s.")
    attempt(request, lambda: work(by=request.user, customer=customer), done % {"customer": customer.name})
    return redirect(reverse("visits:to_verify") + "#positions")


@login_required
def discrepancies(request: HttpRequest) -> HttpResponse:
    require_role(request.user, *LEADERS)
    open_only = request.GET.get("all") != "1"
    reviews = selectors.discrepancy_list_for(user=request.user, open_only=open_only)
    page = Paginator(reviews, 50).get_page(request.GET.get("page"))
    return render(request, "visits/discrepancies.html", {"page": page, "open_only": open_only})


@login_required
@require_POST
def review_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, *LEADERS)
    review = get_object_or_404(selectors.review_list_for(user=request.user), pk=pk)
    attempt(
        request,
        lambda: manager_review.visit_review_resolve(by=request.user, review=review),
        _("Marked as followed up."),
    )
    return redirect("visits:discrepancies")


@login_required
def customers(request: HttpRequest) -> HttpResponse:
    scope = require_role(request.user)
    search = request.GET.get("q", "").strip()[:100]
    owner = request.GET.get("rep", "")
    rows = selectors.customer_coverage_for(
        user=request.user, today=timezone.localdate(), search=search, owner_id=int(owner) if owner.isdigit() else None
    )
    overdue_only = request.GET.get("overdue") == "1"
    shown = [row for row in rows if row.is_overdue] if overdue_only else rows
    context = {
        "rows": shown,
        "overdue": selectors.overdue_by_rep(rows),
        "search": search,
        "overdue_only": overdue_only,
        "scope": scope,
        "rules": VisitSettings.load(),
    }
    return render(request, "visits/customers.html", context)


@login_required
def sale_import(request: HttpRequest) -> HttpResponse:
    require_role(request.user, *LEADERS)
    form = SaleImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            rows = excel.sale_rows_from_file(upload=form.cleaned_data["file"])
            result = sales_import.sale_records_import(by=request.user, rows=rows)
        except ValidationError as error:
            form.add_error("file", error.message_dict.get("file", error.messages))
        else:
            if result.applied:
                messages.success(
                    request,
                    _("Imported: %(created)d new, %(updated)d changed, %(unchanged)d unchanged.")
                    % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
                )
    status = 400 if request.method == "POST" and (not form.is_valid() or (result and not result.applied)) else 200
    return render(request, "visits/import.html", {"form": form, "result": result}, status=status)


@login_required
def sale_import_template(request: HttpRequest) -> HttpResponse:
    """The sales file to fill in, its headers in the page's language."""
    require_role(request.user, *LEADERS)
    response = HttpResponse(
        excel.template_workbook(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="sales-lines.xlsx"'
    return response
