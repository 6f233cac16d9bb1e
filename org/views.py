from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from org import selectors, services
from org.audit import audit_record
from org.forms import AuditSearchForm, CalendarDayForm, CalendarImportForm, CustomerForm
from org.models import AuditEvent, Role
from org.scoping import require_role

# The service worker's cache is renewed with each start of the server (a deployment brings new static files).
WORKER_VERSION = timezone.now().strftime("%Y%m%d%H%M%S")


def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker at the site's root (its scope is the whole site); browsers check it for changes."""
    response = render(
        request,
        "sw.js",
        {"version": WORKER_VERSION},
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    return response


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
    """The first page after login: a rep's day, or the team overview of a manager or director.

    A rep's day is answered here, not redirected to: the phone opens ``/`` from its home screen, and on a slow
    network a redirect costs a round trip. The view is found through the URLconf (org imports no higher app).
    """
    scope = require_role(request.user)
    if scope.is_rep:
        return resolve(reverse("reports:my_day")).func(request)
    return redirect("reports:cockpit")


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


def _calendar_page(
    request: HttpRequest, year: int, *, import_form: CalendarImportForm | None = None, preview=None, status: int = 200
) -> HttpResponse:
    scope = require_role(request.user)
    months = selectors.calendar_months(year=year)
    context = {
        "year": year,
        "months": months,
        "total": sum(month["working_days"] for month in months),
        "calendar_year": selectors.calendar_year(year=year),
        "can_edit": scope.is_director,
        "form": CalendarDayForm(),
        "import_form": import_form or CalendarImportForm(initial={"year": year}),
        "preview": preview,
        "preview_changes": sum(change.changes for change in preview or []),
    }
    return render(request, "org/calendar.html", context, status=status)


@login_required
def calendar_view(request: HttpRequest) -> HttpResponse:
    try:
        year = int(request.GET.get("year", timezone.localdate().year))
    except ValueError:
        year = timezone.localdate().year
    return _calendar_page(request, min(max(year, 2004), 2100))


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


@login_required
@require_POST
def calendar_import(request: HttpRequest) -> HttpResponse:
    """A director's import of the official arrangement: a preview of every named day first, then the import."""
    require_role(request.user, Role.DIRECTOR)
    form = CalendarImportForm(request.POST, request.FILES)
    year = timezone.localdate().year
    if form.is_valid():
        year = form.cleaned_data["year"]
        apply = "apply" in request.POST
        try:
            changes = services.calendar_import(by=request.user, year=year, text=form.cleaned_data["text"], apply=apply)
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, field_errors)
        else:
            if apply:
                changed = sum(change.changes for change in changes)
                messages.success(
                    request,
                    _("%(year)s: the official arrangement is imported (%(named)s days named, %(changed)s changed).")
                    % {"year": year, "named": len(changes), "changed": changed},
                )
                return redirect(f"{reverse('org:calendar')}?year={year}")
            # The confirmation posts the same text again, also when it came from a file.
            confirm = CalendarImportForm(initial={"year": year, "text": form.cleaned_data["text"]})
            return _calendar_page(request, year, import_form=confirm, preview=changes)
    elif "year" not in form.errors:
        year = form.cleaned_data["year"]
    return _calendar_page(request, min(max(year, 2004), 2100), import_form=form, status=400)


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
