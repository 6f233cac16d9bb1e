"""The visit sheet as the pages show it: its context, the whole page, and a write answered in place (the changed
visit card, the totals and the messages as htmx fragments, the same for a live write and a queued offline one)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from org.models import Product, Role
from org.scoping import require_role
from salesops.middleware import is_queued_write
from visits import plausibility, routes, selectors
from visits.forms import (
    CommentForm,
    PlanVisitForm,
    ReviewForm,
    UnplannedVisitForm,
)
from visits.models import MAX_PHOTOS_PER_VISIT, Visit, VisitSettings, VisitSheet

LEADERS = (Role.DIRECTOR, Role.MANAGER)


def flash(request: HttpRequest, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


def flash_form(request: HttpRequest, form) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for text in errors:
            messages.error(request, f"{label}: {text}" if label else text)


def sheet_url(sheet_id: int, anchor: str = "") -> str:
    return reverse("visits:sheet", args=[sheet_id]) + (f"#{anchor}" if anchor else "")


def attempt(request: HttpRequest, work: Callable[[], Any], success: str | None = None) -> bool:
    try:
        work()
    except ValidationError as error:
        flash(request, error)
        return False
    if success:
        messages.success(request, success)
    return True


def visible_sheet(request: HttpRequest, pk: int) -> VisitSheet:
    return get_object_or_404(selectors.sheet_list_for(user=request.user), pk=pk)


def visible_visit(request: HttpRequest, pk: int) -> Visit:
    return get_object_or_404(selectors.visit_list_for(user=request.user), pk=pk)


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


def errors_of(error: ValidationError) -> dict[str, list[str]]:
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
                "track": routes.day_track(visits),
                "route": routes.day_route(visits, start=_start_from(request)) if editable and is_today else None,
                "nav_active": "today" if is_owner and is_today else "sheets",
            }
        )
    return context


def sheet_page(
    request: HttpRequest,
    sheet: VisitSheet,
    *,
    refused: RefusedEntry | None = None,
    submit_refused: RefusedEntry | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _sheet_context(request, sheet, refused=refused, submit_refused=submit_refused)
    return render(request, "visits/sheet.html", context, status=status)


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
    doubts = plausibility.plausibility_flags(visits)
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
