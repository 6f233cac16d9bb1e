"""Writing a night's rows: ``RowFit`` makes every number fit its column, ``copy_upsert`` upserts rows by COPY."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import cast

from django.db import connection, models, transaction

Cell = dt.date | dt.datetime | Decimal | int | str | bool | list[str] | None
"""A value of a row the night writes (``flags`` is the list of words)."""
Row = tuple[Cell, ...]
SqlValue = int | Decimal | str | dt.date | list[int] | list[str] | list[dt.date] | None
SqlParams = dict[str, SqlValue]
"""The named parameters of a statement of the night."""


class RowFit:
    """Makes every number of a row fit its column: one too large for it becomes empty (or, in a column that
    must hold a value, the largest it can) and the column's name joins the row's flags. So no value, however
    wrong its source, can fail the upsert of a shard with ``numeric field overflow``."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        fields = {field.attname: field for field in model._meta.concrete_fields}
        self.flags_at = list(columns).index("flags")
        self.bounds: list[tuple[int, str, Decimal, bool]] = []
        for index, name in enumerate(columns):
            field = fields[name]
            if isinstance(field, models.DecimalField):
                quantum = Decimal(1).scaleb(-field.decimal_places)
                largest = Decimal(10) ** (field.max_digits - field.decimal_places) - quantum
                self.bounds.append((index, name, largest, field.null))

    def fit(self, row: list[Cell]) -> Row:
        flags = cast(list[str], row[self.flags_at])
        for index, name, largest, nullable in self.bounds:
            value = cast(Decimal | None, row[index])
            if value is None or abs(value) <= largest:
                continue
            row[index] = None if nullable else (largest if value > 0 else -largest)
            if name not in flags:
                flags.append(name)
        return tuple(row)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


_COPY_AS_STR = frozenset({Decimal, int, bool, dt.date, dt.datetime})


def _copy_text(value: Cell) -> str:
    """A value in COPY's text format (dates, aware datetimes, Decimals and booleans as ``str`` gives them)."""
    if type(value) in _COPY_AS_STR:  # most values: nothing to escape
        return str(value)
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, list):  # an array of plain words (the flags)
        return "{" + ",".join(value) + "}"
    return str(value)


def copy_upsert(table: str, key: Sequence[str], values: Sequence[str], rows: Sequence[Row]) -> None:
    """Upsert ``rows`` (tuples in the order ``key + values``) into ``table`` on its natural key: ``COPY`` into a
    temporary table, then one ``INSERT … SELECT … ON CONFLICT (key) DO UPDATE``: no SQL text per row and no
    model instances (a night writes ~40,000 rows)."""
    if not rows:
        return
    columns = ", ".join([*key, *values])
    staging = f"{table}_staging"
    update = ", ".join(f"{column} = EXCLUDED.{column}" for column in values)
    text = "".join("\t".join(map(_copy_text, row)) + "\n" for row in rows)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DROP "
            f"AS SELECT {columns} FROM {table} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {staging}")
        cursor.cursor.copy_expert(f"COPY {staging} ({columns}) FROM STDIN", io.StringIO(text))
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging} "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {update}"
        )
