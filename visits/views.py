"""Pages of the visits app: the rep's sheet on a phone, the manager's team day, verification and coverage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from org.action_time import acted_at
from org.idempotency import idempotent_page
from org.models import Product, Role
from org.scoping import require_role
from salesops.middleware import is_queued_write
from visits import routes, selectors
from visits.forms import (
    CheckInForm,
    PlanVisitForm,
    UnplannedVisitForm,
    VisitRecordForm,
    photo_uploads_from,
    photos_to_remove_from,
)
from visits.models import OrderLine, Visit, VisitPhoto, VisitSheet
from visits.services import rep_day
from visits.sheet_pages import (
    RefusedEntry,
    answers_in_place,
    attempt,
    errors_of,
    flash,
    flash_form,
    sheet_page,
    sheet_url,
    visible_sheet,
    visible_visit,
    wants_fragment,
)


@login_required
def today(request: HttpRequest) -> HttpResponse:
    require_role(request.user, Role.REP)
    try:
        sheet = rep_day.sheet_open(rep=request.user)
    except ValidationError as error:
        flash(request, error)
        return redirect("home")
    return sheet_page(request, sheet)


@login_required
def sheet_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return sheet_page(request, visible_sheet(request, pk))


@login_required
def sheet_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user)
    sheets = selectors.sheet_summaries(selectors.sheet_list_for(user=request.user)).order_by("-date", "rep__username")
    page = Paginator(sheets, 30).get_page(request.GET.get("page"))
    return render(request, "visits/sheet_list.html", {"page": page})


@login_required
@require_POST
@answers_in_place(changes_undone=True, creates=True)
@idempotent_page
def visit_plan(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = visible_sheet(request, pk)
    form = PlanVisitForm(request.POST, user=request.user)
    if not form.is_valid():
        flash_form(request, form)
        return redirect(sheet_url(sheet.pk, "plan"))
    planned: list[Visit] = []
    if attempt(request, lambda: planned.append(rep_day.visit_plan(by=request.user, sheet=sheet, **form.cleaned_data))):
        warnings = selectors.visit_plan_warnings(visit=planned[0])
        for warning in warnings:
            messages.warning(request, warning.message)
        if not warnings:
            messages.success(request, _("Visit planned."))
    if planned and wants_fragment(request):
        return redirect(sheet_url(sheet.pk, f"visit-{planned[0].pk}"))
    return redirect(sheet_url(sheet.pk, "plan"))


@login_required
@require_POST
@answers_in_place(changes_undone=True, creates=True)
@idempotent_page
def visit_unplanned(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = visible_sheet(request, pk)
    form = UnplannedVisitForm(request.POST, user=request.user, prefix="u")
    if not form.is_valid():
        flash_form(request, form)
        return redirect(sheet_url(sheet.pk, "unplanned"))
    data = form.cleaned_data
    created: list[Visit] = []

    def work() -> None:
        if data["customer"] is not None:
            created.append(
                rep_day.visit_plan(
                    by=request.user, sheet=sheet, customer=data["customer"], purpose=data["purpose"], planned=False
                )
            )
        else:
            created.append(
                rep_day.visit_plan_new_customer(
                    by=request.user,
                    sheet=sheet,
                    name=data["new_customer_name"],
                    kind=data["new_customer_kind"] or "outlet",
                    phone=data["new_customer_phone"],
                    purpose=data["purpose"],
                )
            )

    if attempt(request, work, _("Unplanned visit added.")):
        return redirect(sheet_url(sheet.pk, f"visit-{created[0].pk}"))
    return redirect(sheet_url(sheet.pk, "unplanned"))


@login_required
@require_POST
@idempotent_page
def sheet_copy(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = visible_sheet(request, pk)
    copied: list[int] = []
    if attempt(request, lambda: copied.append(rep_day.sheet_copy_unfinished(by=request.user, sheet=sheet))):
        if copied[0]:
            messages.success(
                request, _("%(count)d unfinished visits copied from your previous sheet.") % {"count": copied[0]}
            )
        else:
            messages.info(request, _("Nothing to copy: no unfinished planned visits on your previous sheet."))
    return redirect(sheet_url(sheet.pk, "plan"))


def _undone_reasons_from(request: HttpRequest) -> dict[int, str]:
    prefix = "undone_reason_"
    return {
        int(name.removeprefix(prefix)): value
        for name, value in request.POST.items()
        if name.startswith(prefix) and name.removeprefix(prefix).isdigit()
    }


@login_required
@require_POST
@idempotent_page
def sheet_submit(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = visible_sheet(request, pk)
    try:
        done = rep_day.sheet_submit(
            by=request.user, sheet=sheet, undone_reasons=_undone_reasons_from(request), at=acted_at(request.POST)
        )
    except ValidationError as error:
        errors = errors_of(error)
        if any(name.startswith("undone_reasons[") for name in errors):
            refused = RefusedEntry(visit_id=0, data=request.POST, errors=errors)
            return sheet_page(request, sheet, submit_refused=refused, status=400)
        flash(request, error)
        return redirect(sheet_url(sheet.pk))
    if done.is_late:
        messages.warning(request, _("Sheet submitted after the deadline: it is marked late."))
    else:
        messages.success(request, _("Sheet submitted."))
    return redirect(sheet_url(sheet.pk))


@login_required
@require_POST
@answers_in_place(changes_undone=True, removes=True)
@idempotent_page
def visit_remove(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visible_visit(request, pk)
    attempt(request, lambda: rep_day.visit_remove(by=request.user, visit=visit), _("Visit removed."))
    return redirect(sheet_url(visit.sheet_id, "plan"))


@login_required
@require_POST
@answers_in_place(changes_undone=True)
@idempotent_page
def visit_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visible_visit(request, pk)
    form = CheckInForm(request.POST)
    if not form.is_valid():
        flash_form(request, form)
    else:
        attempt(
            request,
            lambda: rep_day.visit_check_in(
                by=request.user, visit=visit, at=acted_at(request.POST), **form.cleaned_data
            ),
            _("Checked in."),
        )
    return redirect(sheet_url(visit.sheet_id, f"visit-{visit.pk}"))


def _order_lines_from(request: HttpRequest) -> list[dict]:
    """Order rows of the check-out form; a row without a product is ignored."""
    products = request.POST.getlist("line_product")
    quantities = request.POST.getlist("line_quantity")
    amounts = request.POST.getlist("line_amount")
    known = Product.objects.in_bulk([p for p in products if p.isdigit()])
    lines = []
    for number, product_id in enumerate(products, start=1):
        if not product_id:
            continue
        product = known.get(int(product_id)) if product_id.isdigit() else None
        if product is None:
            raise ValidationError({f"order_lines[{number}].product": _("Unknown product.")})
        quantity = quantities[number - 1] if number <= len(quantities) else ""
        amount = amounts[number - 1] if number <= len(amounts) else ""
        lines.append({"product": product, "quantity": quantity, "amount": amount or None})
    return lines


def _visit_entry(request: HttpRequest, visit: Visit, work: Callable[[dict], Any], success: str) -> HttpResponse:
    """Run a visit form's write; when it is refused, the sheet again with what the rep typed and the errors beside
    their fields (a 400), never an emptied form."""
    form = VisitRecordForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(
                {
                    name: [f"{form.fields[name].label}: {text}" if name in form.fields else text for text in texts]
                    for name, texts in form.errors.items()
                }
            )
        work(form.cleaned_data)
    except ValidationError as error:
        if is_queued_write(request):
            # The phone's queue shows the reason beside the waiting write, not the page.
            flash(request, error)
        refused = RefusedEntry(visit_id=visit.pk, data=request.POST, errors=errors_of(error))
        return sheet_page(request, visit.sheet, refused=refused, status=400)
    messages.success(request, success)
    return redirect(sheet_url(visit.sheet_id, f"visit-{visit.pk}"))


@login_required
@require_POST
@answers_in_place()
@idempotent_page
def visit_check_out(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visible_visit(request, pk)
    return _visit_entry(
        request,
        visit,
        lambda data: rep_day.visit_check_out(
            by=request.user,
            visit=visit,
            at=acted_at(request.POST),
            order_lines=_order_lines_from(request),
            photos=photo_uploads_from(request),
            **data,
        ),
        _("Checked out."),
    )


@login_required
@require_POST
@answers_in_place()
@idempotent_page
def visit_record(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visible_visit(request, pk)
    return _visit_entry(
        request,
        visit,
        lambda data: rep_day.visit_record(
            by=request.user,
            visit=visit,
            photos=photo_uploads_from(request),
            remove_photos=photos_to_remove_from(request),
            **data,
        ),
        _("Saved."),
    )


@login_required
@require_POST
@answers_in_place()
@idempotent_page
def order_line_add(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visible_visit(request, pk)

    def work() -> None:
        for line in _order_lines_from(request):
            rep_day.order_line_add(by=request.user, visit=visit, **line)

    attempt(request, work, _("Order recorded."))
    return redirect(sheet_url(visit.sheet_id, f"visit-{visit.pk}"))


@login_required
@require_POST
@answers_in_place()
@idempotent_page
def order_line_remove(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_object_or_404(
        OrderLine.objects.filter(visit__in=selectors.visit_list_for(user=request.user)).select_related("visit__sheet"),
        pk=pk,
    )
    attempt(request, lambda: rep_day.order_line_remove(by=request.user, line=line), _("Order line removed."))
    return redirect(sheet_url(line.visit.sheet_id, f"visit-{line.visit_id}"))


@login_required
def visit_photo(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    photos = VisitPhoto.objects.filter(visit__in=selectors.visit_list_for(user=request.user))
    photo = get_object_or_404(photos, pk=photo_pk, visit_id=pk)
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, filename=photo.file.name.rsplit("/", 1)[-1])


@login_required
@require_POST
@idempotent_page
def sheet_route(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = visible_sheet(request, pk)
    visit_ids = [int(value) for value in request.POST.getlist("visit") if value.isdigit()]
    attempt(
        request,
        lambda: rep_day.sheet_route_accept(by=request.user, sheet=sheet, visit_ids=visit_ids),
        _("Route saved: your visits are listed in this order."),
    )
    return redirect(sheet_url(sheet.pk, "route"))


@login_required
def sheet_map(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user)
    sheet = visible_sheet(request, pk)
    visits = list(sheet.visits.select_related("customer"))
    editable = sheet.rep_id == request.user.pk and sheet.status == VisitSheet.Status.DRAFT
    route = routes.day_route(visits) if editable and sheet.date == timezone.localdate() else None
    context = {
        "sheet": sheet,
        "map_data": routes.day_map(visits, route=route),
        "tiles": bool(settings.MAP_TILE_URL),
        "nav_active": "today" if editable else "sheets",
    }
    return render(request, "visits/sheet_map.html", context)
