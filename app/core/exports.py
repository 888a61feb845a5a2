"""Tables a department can file: the one writer of every XLSX and CSV export.

Every table the product exports (participants, winners, statistics, reminders, dashboards, the
audit...) is built as a ``TableExport`` and written by ``to_xlsx`` / ``to_csv`` or, in a view,
``export_response``. What a reader gets, in both formats:

- a title block: what the table is, its context lines (contest, round, unit...), when it was
  exported (Asia/Ho_Chi_Minh with the offset) and by whom (name and role);
- column headers as given (callers pass them in the UI's language);
- times in Asia/Ho_Chi_Minh with the offset (``2026-12-03 15:11:05 +07:00``): an aware or UTC
  ``datetime`` value is converted here, callers pass datetimes as they are;
- text that a spreadsheet would run as a formula (beginning with ``=``, ``+``, ``-``, ``@``, a tab
  or a carriage return) is prefixed with an apostrophe (OWASP "CSV injection"), and control
  characters are dropped, so a hostile or broken name can neither execute nor break the file;
- XLSX only: a named sheet, the header row frozen under the title block, bold headers and column
  widths fitted to the content.

Small API::

    export = TableExport(
        title=_("Prize winners"),
        headers=[_("Rank"), _("Full name"), _("Submitted at")],
        rows=[[1, "Nguyễn Văn An", attempt.submitted_at]],
        context=[(_("Contest"), contest.title), (_("Round"), round_label)],
        exported_by=person_label(current_user),
        filename="cuoc-thi-vong-1-winners",
    )
    return export_response(export, "xlsx")      # or to_xlsx(export) / to_csv(export) as bytes

``write_rows_csv`` / ``write_rows_xlsx`` write a bare header and rows without a title block, for
import templates whose first line must stay the column codes an import reads back.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from flask import Response, abort
from flask_babel import gettext as _

from app.core.inputs import CONTROL_CHARACTERS
from app.core.types import TZ, utcnow

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
# A cell beginning with one of these is read by spreadsheets as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# C0 controls except tab, line feed and carriage return, DEL and the C1 controls: openpyxl refuses
# them and they have no business in a filed table (input refuses them too: app.core.inputs).
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
XLSX_TIME_FORMAT = 'yyyy-mm-dd hh:mm:ss "{offset}"'
MIN_WIDTH, MAX_WIDTH = 6, 60


@dataclass
class TableExport:
    """One table to file: a title, its context, headers in the UI's language and the rows."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    context: Sequence[tuple[str, str]] = ()
    exported_by: str = ""
    filename: str = "export"
    sheet: str = ""
    exported_at: datetime = field(default_factory=utcnow)


def clean_text(value: str) -> str:
    """``value`` without control characters, with a leading formula character neutralised."""
    value = CONTROL_CHARACTERS.sub("", value)
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def local_time(value: datetime) -> datetime:
    """``value`` (aware, or naive UTC as SQLite returns it) in Asia/Ho_Chi_Minh."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(TZ)


def time_text(value: datetime) -> str:
    """``2026-12-03 15:11:05 +07:00``: local time with its offset, as the CSV and title show it."""
    local = local_time(value)
    return f"{local.strftime(TIME_FORMAT)} {_offset(local)}"


def _offset(local: datetime) -> str:
    text = local.strftime("%z")  # +0700
    return f"{text[:3]}:{text[3:]}"


def cell_text(value: Any) -> str:
    """How a value reads in a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return time_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        return str(value)
    return clean_text(str(value))


def person_label(person: Any) -> str:
    """"Nguyễn Văn An (Organizer)": a person's name and roles, for "exported by" and the audit."""
    from app.core.templating import role_label

    if person is None:
        return _("the system")
    roles = sorted({grant.role for grant in getattr(person, "grants", [])})
    name = getattr(person, "full_name", "") or getattr(person, "email", "") or ""
    if not roles:
        roles = [getattr(person, "kind", "")] if getattr(person, "kind", "") else []
    return f"{name} ({', '.join(role_label(r) for r in roles)})" if roles else name


def title_lines(export: TableExport) -> list[list[str]]:
    """The title block: the title, each context line, when and by whom (each a one-cell row)."""
    lines = [[export.title]]
    lines += [[f"{label}: {value}"] for label, value in export.context]
    when = _("Exported at %(time)s", time=time_text(export.exported_at))
    if export.exported_by:
        when = _("Exported at %(time)s by %(person)s", time=time_text(export.exported_at),
                 person=export.exported_by)
    lines.append([when])
    return [[clean_text(line[0])] for line in lines]


def to_csv(export: TableExport) -> bytes:
    """CSV (UTF-8 with a BOM so that Excel reads Vietnamese): title block, a blank line, the table."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(title_lines(export))
    writer.writerow([])
    writer.writerow([clean_text(str(h)) for h in export.headers])
    for row in export.rows:
        writer.writerow([cell_text(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def sheet_name(export: TableExport) -> str:
    """A valid sheet name (at most 31 characters, none of ``[]:*?/\\``) from the sheet or title."""
    name = SHEET_NAME_FORBIDDEN.sub(" ", CONTROL_CHARACTERS.sub("", export.sheet or export.title)).strip()
    return (name[:31].strip().strip("'") or "Sheet 1")


def to_xlsx(export: TableExport) -> bytes:
    """One named sheet: the title block, then bold headers frozen in place and the rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name(export))
    titles = title_lines(export)
    rows = [list(r) for r in export.rows]  # measured for the widths before writing
    headers = [clean_text(str(h)) for h in export.headers]
    widths = [len(h) for h in headers]
    for row in rows:
        for i, value in enumerate(row[: len(widths)]):
            widths[i] = max(widths[i], _width(value))
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = min(MAX_WIDTH, max(MIN_WIDTH, width + 2))
    header_row = len(titles) + 2
    sheet.freeze_panes = f"A{header_row + 1}"
    bold, big = Font(bold=True), Font(bold=True, size=13)
    for number, line in enumerate(titles):
        cell = WriteOnlyCell(sheet, value=line[0])
        cell.font = big if number == 0 else Font(italic=True)
        sheet.append([cell])
    sheet.append([])
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _width(value: Any) -> int:
    if isinstance(value, datetime):
        return 26
    text = cell_text(value)
    return max((len(part) for part in text.splitlines()), default=0)


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, datetime):
        local = local_time(value)
        cell = WriteOnlyCell(sheet, value=local.replace(tzinfo=None))
        cell.number_format = XLSX_TIME_FORMAT.format(offset=_offset(local))
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        cell = WriteOnlyCell(sheet, value=cell_text(value))
        cell.data_type = "s"  # never a formula, whatever the text
        return cell
    return WriteOnlyCell(sheet, value=value)


def export_response(export: TableExport, fmt: str) -> Response:
    """The export as a download (404 for an unknown format); never kept by a shared cache; recorded
    in the audit (who, which table, when)."""
    if fmt not in FORMATS:
        abort(404)
    from app.core.personal_data import EXPORTED, record_access

    record_access(EXPORTED, export.title, format=fmt)  # who exported which table, when
    content = to_xlsx(export) if fmt == "xlsx" else to_csv(export)
    return download(content, f"{export.filename}.{fmt}", FORMATS[fmt])


def download(content: bytes, filename: str, mimetype: str) -> Response:
    """An attachment response holding personal data: ``Cache-Control: no-store``."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-") or "export"
    return Response(content, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{safe}"',
        "Cache-Control": "no-store",
    })


# --- bare tables (import templates) ------------------------------------------------------------


def write_rows_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A bare CSV (header line first, no title block) with the same cell cleaning, for templates."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([clean_text(str(h)) for h in header])
    for row in rows:
        writer.writerow([cell_text(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_rows_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], sheet: str = "Sheet 1") -> bytes:
    """A bare one-sheet workbook (bold header on line 1, frozen), for templates."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(sheet[:31])
    ws.freeze_panes = "A2"
    cells = []
    for h in header:
        cell = WriteOnlyCell(ws, value=clean_text(str(h)))
        cell.font = Font(bold=True)
        cells.append(cell)
    ws.append(cells)
    for row in rows:
        ws.append([_xlsx_cell(ws, v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
