from __future__ import annotations

import calendar as pycalendar
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from org import selectors, services
from org.audit import audit_record
from org.calendar import official_day
from org.forms import AuditSearchForm, CalendarDayForm, CustomerForm
from org.models import AuditEvent, Role
from org.scoping import require_role


def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The first page after login: a rep's day, or the team overview of a manager or director."""
    scope = require_role(request.user)
    return redirect("reports:my_day" if scope.is_rep else "reports:my_team")


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user, Role.DIRECTOR, Role.MANAGER)
    teams = list(selectors.team_list_for(user=request.user))
    members = selectors.membership_list_for(user=request.user)
    by_team: dict[int, list] = {}
    for membership in members:
        by_team.setdefault(membership.team_id, []).append(membership)
    rows = [{"team": team, "members": by_team.get(team.id, [])} for team in teams]
    min_depth = min((team.depth for team in teams), default=0)
    for row in rows:
        row["indent"] = row["team"].depth - min_depth
    return render(request, "org/team_list.html", {"rows": rows})


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    scope = require_role(request.user)
    search = request.GET.get("q", "").strip()[:100]
    customers = selectors.customer_list_for(user=request.user, search=search)
    page = Paginator(customers, 50).get_page(request.GET.get("page"))
    return render(request, "org/customer_list.html", {"page": page, "search": search, "scope": scope})


def _customer_form_page(request: HttpRequest, *, customer=None) -> HttpResponse:
    form = CustomerForm(request.POST or None, instance=customer, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            if customer is None:
                customer = services.customer_create(by=request.user, **form.cleaned_data)
                messages.success(request, _("Customer created."))
            else:
                services.customer_update(by=request.user, customer=customer, **form.cleaned_data)
                messages.success(request, _("Customer saved."))
            return redirect("org:customers")
        except ValidationError as error:
            form.add_error(None, error)
    status = 400 if request.method == "POST" else 200
    return render(request, "org/customer_form.html", {"form": form, "customer": customer}, status=status)


@login_required
def customer_create(request: HttpRequest) -> HttpResponse:
    require_role(request.user)
    return _customer_form_page(request)


@login_required
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = require_role(request.user)
    customer = get_object_or_404(selectors.customer_list_for(user=request.user), pk=pk)
    if scope.is_rep and customer.owner_id != request.user.pk:
        raise Http404
    return _customer_form_page(request, customer=customer)


@login_required
def product_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user)
    return render(request, "org/product_list.html", {"products": selectors.product_list()})


@login_required
def calendar_view(request: HttpRequest) -> HttpResponse:
    scope = require_role(request.user)
    try:
        year = int(request.GET.get("year", timezone.localdate().year))
    except ValueError:
        year = timezone.localdate().year
    year = min(max(year, 2004), 2100)
    days = selectors.calendar_days(year=year)
    months = []
    for month in range(1, 13):
        weeks = []
        for week in pycalendar.Calendar().monthdatescalendar(year, month):
            cells = []
            for day in week:
                row = days.get(day)
                working, kind, note = (row.is_working, row.kind, row.note) if row else official_day(day)
                cells.append(
                    {"date": day, "in_month": day.month == month, "working": working, "kind": kind, "note": note}
                )
            weeks.append(cells)
        working_count = sum(1 for c in (c for w in weeks for c in w) if c["in_month"] and c["working"])
        months.append({"month": dt.date(year, month, 1), "weeks": weeks, "working_days": working_count})
    total = sum(m["working_days"] for m in months)
    return render(
        request,
        "org/calendar.html",
        {"year": year, "months": months, "total": total, "can_edit": scope.is_director, "form": CalendarDayForm()},
    )


@login_required
@require_POST
def calendar_day_edit(request: HttpRequest) -> HttpResponse:
    require_role(request.user, Role.DIRECTOR)
    form = CalendarDayForm(request.POST)
    if form.is_valid():
        day = services.calendar_day_set(by=request.user, **form.cleaned_data)
        messages.success(request, _("%(date)s saved.") % {"date": day.date})
        return redirect(f"{reverse('org:calendar')}?year={day.date.year}")
    messages.error(request, "; ".join(f"{form.fields[f].label}: {' '.join(e)}" for f, e in form.errors.items()))
    return redirect("org:calendar")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 403 page; every refusal is written to the audit log."""
    audit_record(
        action=AuditEvent.Action.PERMISSION_DENIED, request=request, summary=f"{request.method} {request.path}"
    )
    return render(request, "403.html", status=403)


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    require_role(request.user, Role.DIRECTOR)
    form = AuditSearchForm(request.GET or None)
    events = selectors.audit_events(**(form.cleaned_data if form.is_valid() else {}))
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "org/audit_log.html", {"form": form, "page": page, "query": query.urlencode()})
