"""Hostile input answered with a 4xx in the person's language, never a 500 (issue 19, items 6, 9
and 10): control characters in any text, numbers written in other digits or too long for an int,
ids beyond the integer range, JSON that is not an object or nested too deeply, broken workbooks,
dates in year 1."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.accounts.models import User
from app.core.extensions import db
from app.localities.models import Locality

ESC_NAME = "Nguyễn\x1b[31mVăn An"


def users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def registration(tree, app, **overrides) -> dict:
    with app.app_context():
        village = db.session.scalar(select(Locality.id).where(Locality.code == tree["v1"]))
    return {"full_name": "Trần Thị Bình", "login": "0912345670", "password": "mat-khau-123",
            "confirm": "mat-khau-123", "loc": [str(village)], **overrides}


def test_a_name_with_a_control_character_is_refused_at_registration(client, app, tree):
    response = client.post("/auth/register", data=registration(tree, app, full_name=ESC_NAME))
    assert response.status_code == 400
    assert "ký tự điều khiển" in response.get_data(as_text=True)
    assert users(app) == 0
    # the same form without the character goes through
    assert client.post("/auth/register", data=registration(tree, app)).status_code == 302


@pytest.mark.parametrize("character", ["\x1b", "\x07", "\x7f", "\x85", "\x00"])
def test_control_characters_are_refused_in_queries_and_forms_but_not_line_breaks(client, make_user, login,
                                                                                   tree, character):
    login(make_user(roles={"manager": tree["province"]}))
    assert client.get("/admin/users", query_string={"q": f"a{character}b"}).status_code == 400
    assert client.get("/admin/users", query_string={"q": "a\tb\r\nc"}).status_code == 200


def test_a_json_string_with_a_control_character_is_refused(client, make_user):
    make_user(phone="0912345671")
    response = client.post("/api/v1/auth/token", json={"login": "0912345671\x1b", "password": "x" * 8})
    assert response.status_code == 400
    assert response.json["error"]["status"] == 400


@pytest.mark.parametrize("body", ["[1, 2, 3]", "[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000,
                                  "1" * 5000, '"text"'])
def test_a_json_body_that_is_not_an_object_or_too_deep_is_a_400(client, body):
    response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"]["status"] == 400


def test_an_import_with_a_control_character_is_refused_with_its_line(client, app, make_user, login):
    login(make_user(roles={"admin": None}))
    data = "code,name,type,parent_code\n90,Tỉnh Thử,Tỉnh,\n91,Tỉnh\x1bHai,Tỉnh,\n".encode()
    response = client.post("/admin/localities/import", data={"file": (io.BytesIO(data), "x.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Dòng 3" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Locality.id))) == 0


def _workbook_without_sheets() -> bytes:
    """An XLSX whose workbook lists no sheet (openpyxl reads it, with no worksheets)."""
    import zipfile

    book = Workbook()
    out = io.BytesIO()
    book.save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/workbook.xml":
                text = data.decode()
                start, end = text.index("<sheets>"), text.index("</sheets>") + len("</sheets>")
                data = (text[:start] + "<sheets/>" + text[end:]).encode()
            if item.filename.startswith("xl/worksheets/"):
                continue
            target.writestr(item, data)
    return result.getvalue()


def test_an_xlsx_without_a_sheet_is_refused(client, app, make_user, login):
    login(make_user(roles={"admin": None}))
    response = client.post("/admin/localities/import",
                           data={"file": (io.BytesIO(_workbook_without_sheets()), "x.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "không có trang tính" in response.get_data(as_text=True)


def test_a_huge_xlsx_is_refused_from_its_declared_size_before_reading_its_rows(app, monkeypatch):
    from app.core import tabular

    monkeypatch.setattr(tabular, "MAX_ROWS", 50)
    book = Workbook()
    sheet = book.active
    sheet.append(["code", "name"])
    for i in range(300):
        sheet.append([str(i), "x"])
    out = io.BytesIO()
    book.save(out)
    read = []
    original = tabular._check_text
    monkeypatch.setattr(tabular, "_check_text", lambda number, values: read.append(number) or original(number, values))
    with app.test_request_context(), pytest.raises(tabular.TableError):
        tabular.read_table(out.getvalue(), "x.xlsx", ["code"])
    assert read == []  # refused before the first row was read


def test_a_huge_xlsx_without_a_declared_size_is_refused_while_reading(app, monkeypatch):
    from app.core import tabular

    monkeypatch.setattr(tabular, "MAX_ROWS", 50)
    book = Workbook()
    sheet = book.active
    sheet.append(["code", "name"])
    for i in range(300):
        sheet.append([str(i), "x"])
    out = io.BytesIO()
    book.save(out)
    import re
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"<dimension [^>]*/>", b"", data)
            target.writestr(item, data)
    read = []
    original = tabular._check_text
    monkeypatch.setattr(tabular, "_check_text", lambda number, values: read.append(number) or original(number, values))
    with app.test_request_context(), pytest.raises(tabular.TableError):
        tabular.read_table(result.getvalue(), "x.xlsx", ["code"])
    assert max(read) <= 51  # stopped at the first row over the limit


@pytest.mark.parametrize("loc", ["²", "1" * 5000, "2147483648", "99999999999", "-1"])
def test_the_locality_picker_refuses_numbers_it_cannot_hold(client, app, tree, loc):
    response = client.post("/auth/register", data=registration(tree, app, loc=[loc]))
    assert response.status_code == 400
    assert "Hãy chọn địa bàn trong danh sách." in response.get_data(as_text=True)
    assert users(app) == 0


@pytest.mark.parametrize("path", ["/training/assignments/99999999999999999999",
                                  "/training/certificates/99999999999999999999.pdf",
                                  "/admin/users/99999999999999999999/roles",
                                  "/author/course/2147483648",
                                  "/organize/rounds/99999999999999999999"])
def test_ids_beyond_the_integer_range_are_not_found(client, make_user, login, path):
    login(make_user(roles={"admin": None}))
    assert client.get(path).status_code == 404
