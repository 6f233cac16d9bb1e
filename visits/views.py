"""Pages of the visits app: the rep's sheet on a phone, the manager's team day, verification and coverage."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from org.action_time import acted_at
from org.idempotency import idempotent_page
from org.models import Product, Role
from org.scoping import require_role
from org.selectors import customer_list_for
from salesops.middleware import is_queued_write
from visits import excel, selectors
from visits.forms import (
    CheckInForm,
    CommentForm,
    PlanVisitForm,
    ReviewForm,
    SaleImportForm,
    TeamDayForm,
    UnplannedVisitForm,
    VisitRecordForm,
    photo_uploads_from,
    photos_to_remove_from,
)
from visits.models import MAX_PHOTOS_PER_VISIT, OrderLine, Visit, VisitPhoto, VisitSettings, VisitSheet
from visits.services import customer_positions, manager_review, rep_day, sales_import, sheet_rules

LEADERS = (Role.DIRECTOR, Role.MANAGER)


def _flash(request: HttpRequest, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


def _flash_form(request: HttpRequest, form) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for text in errors:
            messages.error(request, f"{label}: {text}" if label else text)


def _sheet_url(sheet_id: int, anchor: str = "") -> str:
    return reverse("visits:sheet", args=[sheet_id]) + (f"#{anchor}" if anchor else "")


def _attempt(request: HttpRequest, work: Callable[[], Any], success: str | None = None) -> bool:
    try:
        work()
    except ValidationError as error:
        _flash(request, error)
        return False
    if success:
        messages.success(request, success)
    return True


def _visible_sheet(request: HttpRequest, pk: int) -> VisitSheet:
    return get_object_or_404(selectors.sheet_list_for(user=request.user), pk=pk)


def _visible_visit(request: HttpRequest, pk: int) -> Visit:
    return get_object_or_404(selectors.visit_list_for(user=request.user), pk=pk)


# --- the sheet -----------------------------------------------------------------------------


@dataclass
class RefusedEntry:
    """A visit's form the server refused: what the rep typed, shown again with the errors beside their fields."""

    visit_id: int
    data: QueryDict
    errors: dict[str, list[str]]


@dataclass
class OrderRow:
    product_id: int | None = None
    quantity: str = ""
    amount: str = ""


def _errors_of(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


def _attach_entries(visits: list[Visit], refused: RefusedEntry | None) -> None:
    """Each visit's form values (its record, or what the rep typed into a refused form), order rows and photo slots."""
    for visit in visits:
        photos = list(visit.photos.all())
        visit.photo_slots = list(range(1, max(1, MAX_PHOTOS_PER_VISIT - len(photos)) + 1))
        visit.order_rows = [OrderRow(), OrderRow()]
        visit.entry = {
            "outcome": visit.outcome,
            "next_step": visit.next_step,
            "next_visit_date": visit.next_visit_date.isoformat() if visit.next_visit_date else "",
            "is_new_customer": visit.is_new_customer,
            "is_new_outlet": visit.is_new_outlet,
        }
        visit.entry_errors, visit.photo_errors = [], []
        if refused is None or refused.visit_id != visit.pk:
            continue
        data = refused.data
        visit.entry.update(
            {name: data.get(name, "") for name in ("outcome", "next_step", "next_visit_date")},
            is_new_customer=bool(data.get("is_new_customer")),
            is_new_outlet=bool(data.get("is_new_outlet")),
        )
        rows = [
            OrderRow(int(product) if product.isdigit() else None, quantity, amount)
            for product, quantity, amount in zip(
                data.getlist("line_product"), data.getlist("line_quantity"), data.getlist("line_amount"), strict=False
            )
        ]
        visit.order_rows = rows + [OrderRow()] * max(0, 2 - len(rows))
        visit.removing = {int(value) for value in data.getlist("remove_photo") if value.isdigit()}
        for name, texts in refused.errors.items():
            (visit.photo_errors if name == "photo" else visit.entry_errors).extend(texts)


def _sheet_context(
    request: HttpRequest,
    sheet: VisitSheet,
    *,
    refused: RefusedEntry | None = None,
    submit_refused: RefusedEntry | None = None,
    whole_page: bool = True,
) -> dict[str, Any]:
    """What the sheet's templates show: the whole page, or (``whole_page=False``) a fragment of it (no route)."""
    scope = require_role(request.user)
    sheet = selectors.sheet_with_visits(VisitSheet.objects.filter(pk=sheet.pk).select_related("rep", "team")).get()
    is_owner = sheet.rep_id == request.user.pk
    editable = is_owner and sheet.status == VisitSheet.Status.DRAFT
    can_review = not scope.is_rep and scope.can_manage(sheet.team_id)
    visits = list(sheet.visits.all())
    _attach_doubts(visits)
    _attach_entries(visits, refused)
    undone = selectors.undone_planned_visits(visits) if editable else []
    for visit in undone:
        typed = submit_refused.data.get(f"undone_reason_{visit.pk}", "") if submit_refused else ""
        visit.reason_typed = typed or visit.undone_reason
        visit.reason_errors = submit_refused.errors.get(f"undone_reasons[{visit.pk}]", []) if submit_refused else []
    products = list(Product.objects.filter(active=True).order_by("group", "name")) if editable else []
    planned = sheet.n_planned
    is_today = sheet.date == timezone.localdate()
    rules = VisitSettings.load()
    context = {
        "sheet": sheet,
        "visits": visits,
        "is_owner": is_owner,
        "editable": editable,
        "can_review": can_review,
        "completion": round(100 * sheet.n_done / planned) if planned else None,
        "products": products,
        "review_form": ReviewForm() if can_review else None,
        "is_today": is_today,
        "is_past_deadline": timezone.now() > sheet.deadline,
        "check_in_rules": rules,
        "undone": undone,
        "submit_refused": submit_refused is not None,
        "max_photos": MAX_PHOTOS_PER_VISIT,
        "photo_max_bytes": rules.photo_max_bytes,
    }
    if whole_page:
        context.update(
            {
                "plan_form": PlanVisitForm(user=request.user) if editable else None,
                "unplanned_form": UnplannedVisitForm(user=request.user, prefix="u") if editable else None,
                "comment_form": CommentForm(initial={"comment": sheet.manager_comment, "version": sheet.version})
                if can_review
                else None,
                "track": selectors.day_track(visits),
                "route": selectors.day_route(visits, start=_start_from(request)) if editable and is_today else None,
                "nav_active": "today" if is_owner and is_today else "sheets",
            }
        )
    return context


def _sheet_page(
    request: HttpRequest,
    sheet: VisitSheet,
    *,
    refused: RefusedEntry | None = None,
    submit_refused: RefusedEntry | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _sheet_context(request, sheet, refused=refused, submit_refused=submit_refused)
    return render(request, "visits/sheet.html", context, status=status)


# --- a write answered in place -------------------------------------------------------------
#
# Every write on the sheet goes through the phone's queue (static/js/offline-queue.js), sent at once when there is
# signal and later when there is none, each with its Idempotency-Key. A write sent with ``HX-Request`` is answered
# with a fragment: the changed visit's card and the totals (htmx out-of-band swaps), never the whole sheet; a retry
# of the same key (``idempotent_page`` replays its outcome) gets the same fragment, drawn from the visit as it is.

FRAGMENT_MESSAGES_HEADER = "X-Messages"
_VISIT_ANCHOR = re.compile(r"#visit-(\d+)$")
_SHEET_PATH = re.compile(r"/visits/sheets/(\d+)/")


def wants_fragment(request: HttpRequest) -> bool:
    return is_queued_write(request) and request.headers.get("HX-Request") == "true"


def _sheet_fragment(
    request: HttpRequest,
    sheet: VisitSheet,
    visit_id: int,
    *,
    shown: list[dict[str, str]],
    with_submit: bool,
    creates: bool,
) -> str:
    context = _sheet_context(request, sheet, whole_page=False)
    visits = context["visits"]
    found = next((number for number, visit in enumerate(visits) if visit.pk == visit_id), None)
    if found is None:
        context["removed_id"] = visit_id
    else:
        context["visit"] = visits[found]
        if creates:
            # A new card goes before the next one in the sheet's order (the page replaces it if it has it).
            following = visits[found + 1] if found + 1 < len(visits) else None
            context["insert_at"] = f"beforebegin:#visit-{following.pk}" if following else "beforeend:#visit-list"
    context.update(shown_messages=shown, with_submit=with_submit and context["editable"])
    return render_to_string("visits/_sheet_fragment.html", context, request=request)


def answers_in_place(*, changes_undone: bool = False, creates: bool = False, removes: bool = False) -> Callable:
    """A sheet write asked for in place gets its fragment back (200 done, 422 refused) with its messages in the
    ``X-Messages`` header (JSON), for the queue to show; any other request gets what the view answers."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, pk: int, *args: Any, **kwargs: Any) -> HttpResponse:
            response = view(request, pk, *args, **kwargs)
            if not wants_fragment(request) or not response.get("Content-Type", "").startswith("application/json"):
                return response
            answer = json.loads(response.content)
            location = answer.get("location", "")
            anchor = _VISIT_ANCHOR.search(location)
            if removes:
                visit_id = pk
                sheet_id = Visit.objects.filter(pk=pk).values_list("sheet_id", flat=True).first()
                sheet_match = _SHEET_PATH.search(location)
                sheet_id = sheet_id or (int(sheet_match.group(1)) if sheet_match else None)
            elif anchor:
                visit_id = int(anchor.group(1))
                sheet_id = Visit.objects.filter(pk=visit_id).values_list("sheet_id", flat=True).first()
            else:
                return response  # a refused plan: nothing changed on the sheet
            sheet = selectors.sheet_list_for(user=request.user).filter(pk=sheet_id).first()
            if sheet is None:
                return response
            shown = answer.get("messages", [])
            list(messages.get_messages(request))  # shown by this fragment, not again on the next page
            fragment = _sheet_fragment(
                request, sheet, visit_id, shown=shown, with_submit=changes_undone, creates=creates
            )
            answered = HttpResponse(fragment, status=response.status_code)
            answered[FRAGMENT_MESSAGES_HEADER] = json.dumps(shown, sort_keys=True)  # ASCII: \u escapes
            answered["Vary"] = "HX-Request"
            if response.has_header("Idempotent-Replayed"):
                answered["Idempotent-Replayed"] = response["Idempotent-Replayed"]
            return answered

        return wrapper

    return decorate


def _attach_doubts(visits: list[Visit]) -> None:
    """Each visit's doubts (location and plausibility flags) and its customer's GPS position, for the cards."""
    doubts = selectors.plausibility_flags(visits)
    for visit in visits:
        visit.doubts = doubts.get(visit.pk, [])
        visit.customer_point = selectors.customer_position(visit.customer)


def _start_from(request: HttpRequest) -> tuple[float, float] | None:
    """The phone's position the route should start from (``?from=lat,lon``), or None."""
    try:
        latitude, longitude = (float(part) for part in request.GET.get("from", "").split(","))
    except ValueError:
        return None
    if -90 <= latitude <= 90 and -180 <= longitude <= 180:
        return (latitude, longitude)
    return None


@login_required
def today(request: HttpRequest) -> HttpResponse:
    require_role(request.user, Role.REP)
    try:
        sheet = rep_day.sheet_open(rep=request.user)
    except ValidationError as error:
        _flash(request, error)
        return redirect("home")
    return _sheet_page(request, sheet)


@login_required
def sheet_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _sheet_page(request, _visible_sheet(request, pk))


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
    sheet = _visible_sheet(request, pk)
    form = PlanVisitForm(request.POST, user=request.user)
    if not form.is_valid():
        _flash_form(request, form)
        return redirect(_sheet_url(sheet.pk, "plan"))
    planned: list[Visit] = []
    if _attempt(request, lambda: planned.append(rep_day.visit_plan(by=request.user, sheet=sheet, **form.cleaned_data))):
        warnings = selectors.visit_plan_warnings(visit=planned[0])
        for warning in warnings:
            messages.warning(request, warning.message)
        if not warnings:
            messages.success(request, _("Visit planned."))
    if planned and wants_fragment(request):
        return redirect(_sheet_url(sheet.pk, f"visit-{planned[0].pk}"))
    return redirect(_sheet_url(sheet.pk, "plan"))


@login_required
@require_POST
@answers_in_place(changes_undone=True, creates=True)
@idempotent_page
def visit_unplanned(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = _visible_sheet(request, pk)
    form = UnplannedVisitForm(request.POST, user=request.user, prefix="u")
    if not form.is_valid():
        _flash_form(request, form)
        return redirect(_sheet_url(sheet.pk, "unplanned"))
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

    if _attempt(request, work, _("Unplanned visit added.")):
        return redirect(_sheet_url(sheet.pk, f"visit-{created[0].pk}"))
    return redirect(_sheet_url(sheet.pk, "unplanned"))


@login_required
@require_POST
@idempotent_page
def sheet_copy(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = _visible_sheet(request, pk)
    copied: list[int] = []
    if _attempt(request, lambda: copied.append(rep_day.sheet_copy_unfinished(by=request.user, sheet=sheet))):
        if copied[0]:
            messages.success(
                request, _("%(count)d unfinished visits copied from your previous sheet.") % {"count": copied[0]}
            )
        else:
            messages.info(request, _("Nothing to copy: no unfinished planned visits on your previous sheet."))
    return redirect(_sheet_url(sheet.pk, "plan"))


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
    sheet = _visible_sheet(request, pk)
    try:
        done = rep_day.sheet_submit(
            by=request.user, sheet=sheet, undone_reasons=_undone_reasons_from(request), at=acted_at(request.POST)
        )
    except ValidationError as error:
        errors = _errors_of(error)
        if any(name.startswith("undone_reasons[") for name in errors):
            refused = RefusedEntry(visit_id=0, data=request.POST, errors=errors)
            return _sheet_page(request, sheet, submit_refused=refused, status=400)
        _flash(request, error)
        return redirect(_sheet_url(sheet.pk))
    if done.is_late:
        messages.warning(request, _("Sheet submitted after the deadline: it is marked late."))
    else:
        messages.success(request, _("Sheet submitted."))
    return redirect(_sheet_url(sheet.pk))


@login_required
@require_POST
@answers_in_place(changes_undone=True, removes=True)
@idempotent_page
def visit_remove(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visible_visit(request, pk)
    _attempt(request, lambda: rep_day.visit_remove(by=request.user, visit=visit), _("Visit removed."))
    return redirect(_sheet_url(visit.sheet_id, "plan"))


@login_required
@require_POST
@answers_in_place(changes_undone=True)
@idempotent_page
def visit_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visible_visit(request, pk)
    form = CheckInForm(request.POST)
    if not form.is_valid():
        _flash_form(request, form)
    else:
        _attempt(
            request,
            lambda: rep_day.visit_check_in(
                by=request.user, visit=visit, at=acted_at(request.POST), **form.cleaned_data
            ),
            _("Checked in."),
        )
    return redirect(_sheet_url(visit.sheet_id, f"visit-{visit.pk}"))


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
            _flash(request, error)
        refused = RefusedEntry(visit_id=visit.pk, data=request.POST, errors=_errors_of(error))
        return _sheet_page(request, visit.sheet, refused=refused, status=400)
    messages.success(request, success)
    return redirect(_sheet_url(visit.sheet_id, f"visit-{visit.pk}"))


@login_required
@require_POST
@answers_in_place()
@idempotent_page
def visit_check_out(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visible_visit(request, pk)
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
    visit = _visible_visit(request, pk)
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
    visit = _visible_visit(request, pk)

    def work() -> None:
        for line in _order_lines_from(request):
            rep_day.order_line_add(by=request.user, visit=visit, **line)

    _attempt(request, work, _("Order recorded."))
    return redirect(_sheet_url(visit.sheet_id, f"visit-{visit.pk}"))


@login_required
@require_POST
@answers_in_place()
@idempotent_page
def order_line_remove(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_object_or_404(
        OrderLine.objects.filter(visit__in=selectors.visit_list_for(user=request.user)).select_related("visit__sheet"),
        pk=pk,
    )
    _attempt(request, lambda: rep_day.order_line_remove(by=request.user, line=line), _("Order line removed."))
    return redirect(_sheet_url(line.visit.sheet_id, f"visit-{line.visit_id}"))


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
    sheet = _visible_sheet(request, pk)
    visit_ids = [int(value) for value in request.POST.getlist("visit") if value.isdigit()]
    _attempt(
        request,
        lambda: rep_day.sheet_route_accept(by=request.user, sheet=sheet, visit_ids=visit_ids),
        _("Route saved: your visits are listed in this order."),
    )
    return redirect(_sheet_url(sheet.pk, "route"))


@login_required
def sheet_map(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user)
    sheet = _visible_sheet(request, pk)
    visits = list(sheet.visits.select_related("customer"))
    editable = sheet.rep_id == request.user.pk and sheet.status == VisitSheet.Status.DRAFT
    route = selectors.day_route(visits) if editable and sheet.date == timezone.localdate() else None
    context = {
        "sheet": sheet,
        "map_data": selectors.day_map(visits, route=route),
        "tiles": bool(settings.MAP_TILE_URL),
        "nav_active": "today" if editable else "sheets",
    }
    return render(request, "visits/sheet_map.html", context)


# --- the manager ---------------------------------------------------------------------------


@login_required
@require_POST
def visit_review(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, *LEADERS)
    visit = _visible_visit(request, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        _flash_form(request, form)
    else:
        _attempt(
            request,
            lambda: manager_review.visit_review_create(by=request.user, visit=visit, **form.cleaned_data),
            _("Verification recorded."),
        )
    return redirect(_sheet_url(visit.sheet_id, f"visit-{visit.pk}"))


@login_required
@require_POST
def sheet_comment(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, *LEADERS)
    sheet = _visible_sheet(request, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        _flash_form(request, form)
        return redirect(_sheet_url(sheet.pk))
    comment = form.cleaned_data.get("comment", "")
    version = form.cleaned_data.get("version")
    if "reopen" in request.POST:
        _attempt(
            request,
            lambda: manager_review.sheet_reopen(
                by=request.user, sheet=sheet, comment=comment, expected_version=version
            ),
            _("Sheet reopened: the rep can change it again."),
        )
    else:
        _attempt(
            request,
            lambda: manager_review.sheet_comment(
                by=request.user, sheet=sheet, comment=comment, expected_version=version
            ),
            _("Comment saved."),
        )
    return redirect(_sheet_url(sheet.pk))


@login_required
def team_day(request: HttpRequest) -> HttpResponse:
    require_role(request.user, *LEADERS)
    today_ = timezone.localdate()
    form = TeamDayForm(request.GET or None, user=request.user, initial={"date": today_})
    day, team = today_, None
    if form.is_valid():
        day = min(form.cleaned_data["date"] or today_, today_)
        team = form.cleaned_data["team"]
    rows = selectors.with_day_doubts(selectors.team_day_for(user=request.user, day=day, team=team))
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
    rows = selectors.to_verify_for(user=request.user, since=today_ - dt.timedelta(days=days - 1), until=today_)
    context = {
        "rows": rows,
        "days": days,
        "day_choices": TO_VERIFY_DAYS,
        "proposals": selectors.proposed_positions_for(user=request.user),
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
    _attempt(request, lambda: work(by=request.user, customer=customer), done % {"customer": customer.name})
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
    _attempt(
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
