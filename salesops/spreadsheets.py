"""Reading uploaded .xlsx files in bounded memory, whatever the file claims about itself.

An .xlsx is a zip of XML parts. A hostile file can declare a sheet of 16,384 columns × 1,048,576 rows in a few
hundred bytes (``<dimension ref="A1:XFD1048576"/>`` and one far cell), or compress hundreds of megabytes of
rows into a few. So the parts' uncompressed sizes are checked before any XML is parsed, the sheet is read as a
stream (openpyxl's read-only mode) with its declared dimension ignored, only as many columns as the header
names are kept, and reading stops at the first row past the limit.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The parts of an .xlsx, uncompressed, together; 20,000 lines of a sales file take about 3 MB.
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
# Past this many parts a file is not a spreadsheet someone saved.
MAX_PARTS = 1000
# The widest header read (the columns to its right are never kept, however many the sheet has).
MAX_COLUMNS = 100


def check_xlsx_size(source: IO[bytes], *, field: str = "file") -> None:
    """Refuse a file that is not a zip, or whose parts uncompressed exceed ``MAX_UNCOMPRESSED_BYTES``.

    Only the zip's directory is read; ``source`` is rewound for the reader.
    """
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValidationError({field: _("This is not a readable .xlsx file.")}) from None
    finally:
        source.seek(0)
    total = sum(member.file_size for member in members)
    if len(members) > MAX_PARTS or total > MAX_UNCOMPRESSED_BYTES:
        raise ValidationError(
            {
                field: _("The workbook is too large once unpacked (at most %(n)s MB).")
                % {"n": MAX_UNCOMPRESSED_BYTES // (1024 * 1024)}
            }
        )


def xlsx_rows(
    source: IO[bytes], *, max_rows: int, columns: int | None = None, field: str = "file"
) -> Iterator[tuple[int, list[Any]]]:
    """The first sheet's rows as ``(row number as the spreadsheet shows it, values)``, header first.

    ``columns`` values are read from each row, or as many as the header (the first row with a value) names.
    Empty rows are skipped. A row with a value past
    ``max_rows`` data rows raises a ValidationError naming the limit, before that row is kept.
    """
    import openpyxl  # slow to import, needed only for an .xlsx file

    check_xlsx_size(source, field=field)
    try:
        book = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors for a broken file
        raise ValidationError({field: _("This is not a readable .xlsx file.")}) from None
    try:
        if not book.worksheets:
            raise ValidationError({field: _("The file is empty.")})
        sheet = book.worksheets[0]
        width = min(columns or MAX_COLUMNS, MAX_COLUMNS)
        header_seen = False
        try:
            for number, row in _existing_rows(book, sheet, width):
                values = row[:width]
                # count() runs in C; a row of formatting only has no values.
                if values.count(None) + values.count("") == len(values):
                    continue
                if not header_seen:
                    header_seen = True
                    if columns is None:
                        # The columns after the header's last name are never kept.
                        width = max(i for i, value in enumerate(values, start=1) if value not in (None, ""))
                    yield number, list(values[:width])
                    continue
                if number > max_rows + 1:
                    raise ValidationError(
                        {field: _("At most %(n)s rows at a time (the header is row 1).") % {"n": max_rows}}
                    )
                yield number, list(values)
        except ValidationError:
            raise
        except Exception:  # a malformed part inside a valid zip
            raise ValidationError({field: _("This is not a readable .xlsx file.")}) from None
    finally:
        book.close()


def _existing_rows(book: Any, sheet: Any, width: int) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """The rows the sheet's XML holds, each cut to ``width`` values, with no filler rows for the gaps.

    openpyxl's own ``iter_rows`` pads the gaps between rows (and to the declared dimension) with empty rows: a
    file with one cell at row 1,048,576 would cost a million of them. Its row parser (openpyxl 3.1) does not.
    """
    from openpyxl.worksheet._reader import WorkSheetParser

    with sheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        for number, cells in parser.parse():
            yield number, sheet._get_row(cells, 1, width, values_only=True)
