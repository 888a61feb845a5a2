"""Exports a department can file (issue 16, item 5): one writer for every XLSX and CSV table."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from openpyxl import load_workbook

from app.core.exports import TableExport, person_label, to_csv, to_xlsx

SUBMITTED = datetime(2026, 12, 3, 8, 11, 5, tzinfo=UTC)  # 15:11:05 in Vietnam


def _export(**extra) -> TableExport:
    values = {
        "title": "Danh sách người tham gia",
        "headers": ["Hạng", "Họ và tên", "Nộp bài lúc", "Ngày"],
        "rows": [
            [1, "=HYPERLINK(\"http://evil.example\",\"bấm\")", SUBMITTED, date(2026, 12, 3)],
            [2, "+84 chạy", SUBMITTED.replace(tzinfo=None), None],
            [3, "-1+2", None, None],
            [4, "@SUM(A1)", None, None],
            [5, "\tTab", None, None],
            [6, "\rCR", None, None],
            [7, "Nguyễn\x1b Văn\x00 An", None, None],
        ],
        "context": [("Cuộc thi", "Công dân số 2026"), ("Vòng", "Tuần 1")],
        "exported_by": "Ban Tổ Chức (Ban tổ chức)",
        "exported_at": SUBMITTED,
        "filename": "participants",
    }
    values.update(extra)
    return TableExport(**values)


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_has_a_title_block_local_times_with_offset_and_no_formula(app):
    with app.test_request_context():
        rows = _csv_rows(to_csv(_export()))
    assert rows[0] == ["Danh sách người tham gia"]
    assert rows[1] == ["Cuộc thi: Công dân số 2026"]
    assert rows[2] == ["Vòng: Tuần 1"]
    assert "2026-12-03 15:11:05 +07:00" in rows[3][0]
    assert "Ban Tổ Chức" in rows[3][0]
    assert rows[4] == []
    assert rows[5] == ["Hạng", "Họ và tên", "Nộp bài lúc", "Ngày"]
    table = rows[6:]
    assert table[0][2] == "2026-12-03 15:11:05 +07:00"  # not 08:11:05 UTC
    assert table[1][2] == "2026-12-03 15:11:05 +07:00"  # naive UTC from SQLite too
    assert table[0][3] == "2026-12-03"
    names = [r[1] for r in table]
    for name in names[:6]:
        assert name.startswith("'"), name
    assert names[6] == "Nguyễn Văn An"  # control characters dropped


def test_xlsx_is_a_named_sheet_with_frozen_headers_widths_and_only_text(app):
    with app.test_request_context():
        data = to_xlsx(_export())
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    assert sheet.title == "Danh sách người tham gia"
    assert sheet["A1"].value == "Danh sách người tham gia"
    assert sheet["A2"].value == "Cuộc thi: Công dân số 2026"
    header_row = 6
    assert [c.value for c in sheet[header_row]] == ["Hạng", "Họ và tên", "Nộp bài lúc", "Ngày"]
    assert sheet[header_row][0].font.bold
    assert sheet.freeze_panes == f"A{header_row + 1}"
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width
    first = sheet[header_row + 1]
    assert first[2].value == datetime(2026, 12, 3, 15, 11, 5)
    assert "+07:00" in first[2].number_format
    for row in sheet.iter_rows(min_row=header_row + 1):
        name = row[1]
        assert name.data_type == "s"  # text, never a formula
        assert not str(name.value).startswith(("=", "+", "-", "@", "\t", "\r"))
    assert sheet.cell(header_row + 7, 2).value == "Nguyễn Văn An"


def test_sheet_names_lose_forbidden_characters(app):
    with app.test_request_context():
        data = to_xlsx(_export(title="Thống kê: tuần 1/2 [tỉnh] * rất dài dài dài dài dài", rows=[]))
    title = load_workbook(io.BytesIO(data)).worksheets[0].title
    assert len(title) <= 31
    assert not set(title) & set("[]:*?/\\")


def test_person_label_names_the_role(app, make_user, tree):
    organizer = make_user(full_name="Ban Tổ Chức", roles={"organizer": "90"})
    with app.test_request_context():
        from app.accounts.models import User
        from app.core.extensions import db

        assert person_label(db.session.get(User, organizer.id)) == "Ban Tổ Chức (Ban tổ chức)"


def test_locality_labels_name_the_parents_and_leave_out_the_province(ctx, tree):
    from app.localities.service import get_by_code, path_label, path_labels

    village = get_by_code(tree["v1"])
    assert path_label(village) == "Ấp Ấp 1, Xã Xã Tân Thành, Huyện Huyện Một"
    province = get_by_code(tree["province"])
    assert path_labels([province, village])[province.id] == "Tỉnh Tỉnh Thử"
