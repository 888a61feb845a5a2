"""Reading uploaded tables (CSV or XLSX) into numbered rows, and the per-row import report.

Every import follows one rule: read and validate the whole file, report every bad row by its line
number, and write nothing unless every row is good.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from flask_babel import gettext as _

from app.core.inputs import has_control_characters

MAX_ROWS = 200_000


class TableError(ValueError):
    """The file cannot be read as a table at all (wrong format, bad encoding, missing columns)."""


@dataclass
class RowError:
    line: int
    message: str
    column: str | None = None

    def __str__(self) -> str:
        where = _("Line %(line)s", line=self.line)
        if self.column:
            where += f" ({self.column})"
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    """What an import found and did; ``errors`` non-empty means nothing was written."""

    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0
    # Changes to existing records the importer must confirm first (nothing written until then).
    to_confirm: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, line: int, message: str, column: str | None = None) -> None:
        self.errors.append(RowError(line, message, column))


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]


def _clean_header(cells) -> list[str]:
    return [str(c or "").strip().lstrip("\ufeff").lower() for c in cells]


def read_table(source: bytes | IO[bytes] | Path | str, filename: str, required: list[str]) -> Table:
    """Parse CSV (UTF-8, with or without BOM) or XLSX by the file name's extension.

    Returns rows as ``(line_number, {column: text})`` with line numbers as a spreadsheet shows them
    (the header is line 1). Raises ``TableError`` with a message in the user's language.
    """
    if isinstance(source, str | Path):
        data = Path(source).read_bytes()
    elif isinstance(source, bytes):
        data = source
    else:
        data = source.read()
    if not data:
        raise TableError(_("The file is empty."))
    suffix = Path(filename or "").suffix.lower()
    if suffix == ".xlsx":
        table = _read_xlsx(data)
    elif suffix in {".csv", ".txt", ""}:
        table = _read_csv(data)
    else:
        raise TableError(_("Unsupported file type %(ext)s: upload a CSV or XLSX file.", ext=suffix))
    missing = [c for c in required if c not in table.header]
    if missing:
        raise TableError(
            _("Missing columns: %(cols)s. The first line must be: %(header)s",
              cols=", ".join(missing), header=",".join(required))
        )
    return table


def _too_many_rows() -> TableError:
    return TableError(_("The file has more than %(n)s rows.", n=MAX_ROWS))


def _check_text(number: int, values: list[str]) -> None:
    """Refuse a line holding a control character (the same rule as every form: app.core.inputs)."""
    if any(has_control_characters(v) for v in values):
        raise TableError(_("Line %(line)s holds an invisible control character. Remove it and try again.",
                           line=number))


def _read_csv(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableError(_("The file is not UTF-8 text (save it as CSV UTF-8).")) from exc
    if "\x00" in text:
        raise TableError(_("The file is not a CSV text file."))
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        lines = list(reader)
    except csv.Error as exc:
        raise TableError(_("The CSV file is malformed: %(err)s", err=str(exc))) from exc
    if not lines:
        raise TableError(_("The file is empty."))
    header = _clean_header(lines[0])
    if len(lines) > MAX_ROWS + 1:
        raise _too_many_rows()
    _check_text(1, lines[0])
    rows = []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        _check_text(number, cells)
        row = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}
        if len(cells) > len(header):
            row["__extra__"] = "1"
        rows.append((number, row))
    return Table(header, rows)


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise TableError(_("The file is not a valid XLSX workbook.")) from exc
    try:
        return _read_sheet(workbook)
    finally:
        workbook.close()


def _read_sheet(workbook) -> Table:
    """The first sheet, read row by row (read-only mode): refused as soon as it is known to hold
    more than ``MAX_ROWS`` rows (from its declared size, else while reading), before the work."""
    if not workbook.worksheets:
        raise TableError(_("The workbook has no sheet."))
    sheet = workbook.worksheets[0]
    declared = getattr(sheet, "max_row", None)
    if isinstance(declared, int) and declared > MAX_ROWS + 1:
        raise _too_many_rows()
    iterator = sheet.iter_rows(values_only=True)
    try:
        header_cells = ["" if c is None else str(c) for c in next(iterator)]
    except StopIteration as exc:
        raise TableError(_("The file is empty.")) from exc
    _check_text(1, header_cells)
    header = _clean_header(header_cells)
    rows = []
    for number, cells in enumerate(iterator, start=2):
        if number > MAX_ROWS + 1:
            raise _too_many_rows()
        values = ["" if c is None else str(c).strip() for c in cells]
        if not any(values):
            continue
        _check_text(number, values)
        rows.append((number, {name: (values[i] if i < len(values) else "") for i, name in enumerate(header)}))
    return Table(header, rows)


def write_xlsx(header: list[str], rows: list[list]) -> bytes:
    """A bare workbook (header on line 1): ``app.core.exports.write_rows_xlsx``, for templates."""
    from app.core.exports import write_rows_xlsx

    return write_rows_xlsx(header, rows)


def write_csv(header: list[str], rows: list[list]) -> bytes:
    """A bare CSV with a BOM: ``app.core.exports.write_rows_csv``, for templates."""
    from app.core.exports import write_rows_csv

    return write_rows_csv(header, rows)
