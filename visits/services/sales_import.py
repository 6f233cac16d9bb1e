"""The ERP sales import, in the shape of the targets' Excel import: parse every row by the file's column table
(``visits.excel.SALE_COLUMNS``: headers, reader, required), preview the rows against the importer's data by the
table of row checks below (every error of every row, by column, nothing written), apply only a clean preview.

Lines are inserted or updated by external id; the same lines again change nothing. Reps and customers are looked
up only in the importer's teams, and one message answers for any outside them (nothing to enumerate).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from org.models import Customer, Membership, Product, Role
from org.scoping import Scope, scope_for
from org.selectors import customer_list_for, membership_on
from salesops.transactions import entry_point
from visits import excel
from visits.models import SaleRecord
from visits.services.first_orders import customer_set_first_orders_from_sales

# The fields of a sale record an import compares: a line whose fields are all equal is unchanged.
_SALE_FIELDS = ("date", "rep_id", "team_id", "customer_id", "product_id", "quantity", "amount")


@dataclass
class ImportResult:
    """What an import did, or (when ``errors`` is not empty) why nothing was applied."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)  # {"row": n, "errors": {column: [messages]}}
    records: list[SaleRecord] = field(default_factory=list, repr=False)  # the new and changed lines to write

    @property
    def applied(self) -> bool:
        return not self.errors


@dataclass(eq=False)
class SaleLine:
    """One row of the file: its number as the spreadsheet shows it, the values read, what is wrong with it."""

    number: int
    values: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Lookups:
    """What the rows are checked against, read once for the whole file (customers and reps in the importer's
    teams only)."""

    scope: Scope
    today: dt.date
    customers: dict[str, Customer]
    products: dict[str, Product]
    rep_spans: dict[str, list[Membership]]  # a rep's memberships in the importer's teams, by username
    existing: dict[str, SaleRecord]  # by external id
    first_with: dict[str, SaleLine]  # the first row of the file with each external id

    def day(self, line: SaleLine) -> dt.date | None:
        """The row's date, unless it is missing or in the future (then nobody's team on it is looked up)."""
        day = line.values.get("date")
        return day if day is not None and day <= self.today else None

    def membership(self, line: SaleLine) -> Membership | None:
        """The row's rep's membership of the importer's teams on the row's date."""
        spans, day = self.rep_spans.get(line.values.get("rep")), self.day(line)
        return membership_on(spans, day) if spans and day is not None else None


@dataclass(frozen=True)
class RowCheck:
    """A check of one column of a parsed row against the importer's data or the file's other rows: ``fails``
    is given the column's value (only when it was read), the row and the lookups; the message (with the value as
    ``%(value)s``) is filed under the column."""

    column: str
    fails: Callable[[Any, SaleLine, Lookups], bool]
    message: Promise


ROW_CHECKS: tuple[RowCheck, ...] = (
    RowCheck(
        "external_id",
        lambda external_id, line, data: data.first_with[external_id] is not line,
        gettext_lazy("This external id appears twice in the file."),
    ),
    RowCheck("date", lambda day, line, data: day > data.today, gettext_lazy("The date is in the future.")),
    RowCheck(
        "rep",
        lambda rep, line, data: not data.rep_spans.get(rep),
        gettext_lazy("“%(value)s” was not found in your teams."),
    ),
    RowCheck(
        "rep",
        lambda rep, line, data: (
            bool(data.rep_spans.get(rep)) and data.day(line) is not None and data.membership(line) is None
        ),
        gettext_lazy("“%(value)s” was not a rep of your teams on this date."),
    ),
    RowCheck(
        "customer",
        lambda code, line, data: code not in data.customers,
        gettext_lazy("“%(value)s” was not found in your teams."),
    ),
    RowCheck(
        "product", lambda code, line, data: code not in data.products, gettext_lazy("Unknown product code “%(value)s”.")
    ),
    RowCheck(
        "external_id",
        lambda external_id, line, data: (
            (old := data.existing.get(external_id)) is not None and not data.scope.can_manage(old.team_id)
        ),
        gettext_lazy("This external id belongs to a record outside your teams."),
    ),
)


def sale_lines_parse(rows: list[dict]) -> list[SaleLine]:
    """Each row read by the column table; a row's number is its ``line`` (the spreadsheet's row) when the file
    reader gave one, else its position."""
    lines = []
    for position, row in enumerate(rows, start=1):
        line = SaleLine(number=row.get(excel.LINE) or position, values={})
        for column in excel.SALE_COLUMNS:
            try:
                line.values[column.key] = column.parse(row.get(column.key))
            except ValidationError as error:
                line.errors.setdefault(column.key, []).extend(error.messages)
        lines.append(line)
    return lines


def _lookups(*, by: AbstractBaseUser, scope: Scope, lines: list[SaleLine]) -> Lookups:
    def wanted(key: str) -> set[str]:
        return {line.values[key] for line in lines if key in line.values}

    rep_spans: dict[str, list[Membership]] = {}
    for membership in Membership.objects.filter(user__username__in=wanted("rep"), role=Role.REP).select_related("user"):
        if scope.can_manage(membership.team_id):
            rep_spans.setdefault(membership.user.username, []).append(membership)
    first_with: dict[str, SaleLine] = {}
    for line in lines:
        if "external_id" in line.values:
            first_with.setdefault(line.values["external_id"], line)
    return Lookups(
        scope=scope,
        today=timezone.localdate(),
        customers={
            c.code: c
            for c in customer_list_for(user=by).filter(code__in=wanted("customer"))
            if scope.can_manage(c.team_id)
        },
        products={p.code: p for p in Product.objects.filter(code__in=wanted("product"))},
        rep_spans=rep_spans,
        existing={r.external_id: r for r in SaleRecord.objects.filter(external_id__in=wanted("external_id"))},
        first_with=first_with,
    )


def _record(line: SaleLine, data: Lookups, *, source: str) -> SaleRecord:
    """The sale record of a row without errors."""
    values = line.values
    membership = data.membership(line)
    assert membership is not None  # a row without errors has a rep of the importer's teams on its date
    return SaleRecord(
        external_id=values["external_id"],
        date=values["date"],
        rep_id=data.rep_spans[values["rep"]][0].user_id,
        team_id=membership.team_id,
        customer_id=data.customers[values["customer"]].pk,
        product_id=data.products[values["product"]].pk,
        quantity=values["quantity"],
        amount=values["amount"],
        source=source,
    )


def sale_lines_preview(*, by: AbstractBaseUser, scope: Scope, lines: list[SaleLine], source: str) -> ImportResult:
    """Every row checked by the row checks, and what applying them would do; with one bad row, only the errors."""
    data = _lookups(by=by, scope=scope, lines=lines)
    result = ImportResult()
    for line in lines:
        for check in ROW_CHECKS:
            value = line.values.get(check.column)
            if value is not None and check.fails(value, line, data):
                line.errors.setdefault(check.column, []).append(str(check.message) % {"value": value})
        if line.errors:
            result.errors.append({"row": line.number, "errors": line.errors})
            continue
        record = _record(line, data, source=source)
        old = data.existing.get(record.external_id)
        if old is None:
            result.created += 1
        elif all(getattr(old, name) == getattr(record, name) for name in _SALE_FIELDS):
            result.unchanged += 1
            continue
        else:
            result.updated += 1
        result.records.append(record)
    if result.errors:
        result.created = result.updated = result.unchanged = 0
        result.records = []
    return result


def sale_lines_apply(result: ImportResult) -> None:
    """Write a clean preview's lines (inserted or updated by external id) and the first orders they make."""
    SaleRecord.objects.bulk_create(
        result.records,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["external_id"],
        update_fields=[*_SALE_FIELDS, "source"],
    )
    customer_set_first_orders_from_sales(result.records)


@entry_point
def sale_records_import(*, by: AbstractBaseUser, rows: list[dict], source: str = SaleRecord.Source.ERP) -> ImportResult:
    """Insert or update sales lines by external id: parsed, previewed, and applied only when no row has an error."""
    scope = scope_for(by)
    if scope.role not in (Role.DIRECTOR, Role.MANAGER):
        raise PermissionDenied
    if len(rows) > excel.MAX_ROWS:
        message = _("At most %(n)s rows at a time.") % {"n": excel.MAX_ROWS}
        return ImportResult(errors=[{"row": 0, "errors": {"file": [message]}}])
    result = sale_lines_preview(by=by, scope=scope, lines=sale_lines_parse(rows), source=source)
    if result.applied:
        sale_lines_apply(result)
    return result
