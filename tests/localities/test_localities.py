"""The administrative tree: subtree queries over the materialized path and the bulk import."""
from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.tabular import TableError, read_table
from app.localities import service as localities
from app.localities.models import Locality

HEADER = "code,name,type,parent_code\n"


def table(text: str, name: str = "list.csv"):
    return read_table(text.encode("utf-8"), name, localities.IMPORT_COLUMNS)


def count(ctx_or_app=None) -> int:
    return db.session.scalar(select(func.count(Locality.id)))


def test_import_builds_paths_for_rows_in_any_order(ctx):
    report = localities.import_localities(table(
        HEADER + "25320,Tân Thành,Xã,693\n693,Bù Đốp,Huyện,70\n70,Bình Phước,Tỉnh,\n"
        "2532001,1,Ấp,25320\n"))
    db.session.commit()
    assert report.ok
    assert report.created == 4
    village = localities.get_by_code("2532001")
    assert village.path == "/70/693/25320/2532001/"
    assert village.depth == 3
    assert village.parent.code == "25320"
    assert [loc.code for loc in localities.ancestors(village)] == ["70", "693", "25320", "2532001"]


def test_import_accepts_a_utf8_bom_and_xlsx(ctx):
    localities.import_localities(table("\ufeff" + HEADER + "70,Bình Phước,Tỉnh,\n"))
    from app.core.tabular import write_xlsx

    data = write_xlsx(["code", "name", "type", "parent_code"], [["693", "Bù Đốp", "Huyện", "70"]])
    report = localities.import_localities(read_table(data, "list.xlsx", localities.IMPORT_COLUMNS))
    db.session.commit()
    assert report.ok
    assert localities.get_by_code("693").path == "/70/693/"


def test_reimport_updates_names_and_reparents_whole_subtrees(ctx):
    localities.import_localities(table(HEADER + "70,Bình Phước,Tỉnh,\n75,Đồng Nai,Tỉnh,\n"
                                       "693,Bù Đốp,Huyện,70\n25320,Tân Thành,Xã,693\n"))
    db.session.commit()
    report = localities.import_localities(table(HEADER + "693,Bù Đốp mới,Huyện,75\n"))
    db.session.commit()
    assert report.ok
    assert report.updated == 1
    db.session.expire_all()
    assert localities.get_by_code("693").name == "Bù Đốp mới"
    # the commune was not in the file but moved with its district
    assert localities.get_by_code("25320").path == "/75/693/25320/"


def test_rerunning_the_same_import_changes_nothing(ctx):
    text = HEADER + "70,Bình Phước,Tỉnh,\n693,Bù Đốp,Huyện,70\n"
    localities.import_localities(table(text))
    db.session.commit()
    report = localities.import_localities(table(text))
    db.session.commit()
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert count() == 2


# Messages are in Vietnamese, the default language (commands and services outside a request).
@pytest.mark.parametrize(("rows", "line", "words"), [
    ("70,Bình Phước,Tỉnh,\n693,Bù Đốp,Huyện,99\n", 3, "mã cấp trên 99 không tồn tại"),
    ("70,Bình Phước,Tỉnh,\n70,Bình Phước 2,Tỉnh,\n", 3, "bị trùng"),
    ("70,,Tỉnh,\n", 2, "tên bị trống"),
    ("70,Bình Phước,,\n", 2, "loại đơn vị bị trống"),
    (",Bình Phước,Tỉnh,\n", 2, "mã bị trống"),
    ("70," + "x" * 121 + ",Tỉnh,\n", 2, "dài quá 120"),
    ("70,Bình Phước," + "t" * 41 + ",\n", 2, "dài quá 40"),
    ("7<script>0,Bình Phước,Tỉnh,\n", 2, "mã phải gồm"),
    ("1,A,Tỉnh,2\n2,B,Tỉnh,1\n", 2, "vòng lặp"),
    ("1,A,Tỉnh,1\n", 2, "chính nó"),
    ("70,Bình Phước,Tỉnh,,abc\n", 2, "số nguyên"),
])
def test_a_bad_row_is_named_and_nothing_is_written(ctx, rows, line, words):
    header = HEADER if ",abc" not in rows else "code,name,type,parent_code,population\n"
    report = localities.import_localities(table(header + "5,Tỉnh Tốt,Tỉnh,\n" + rows))
    assert not report.ok
    assert any(e.line == line + 1 and words in e.message for e in report.errors), report.errors
    db.session.rollback()
    assert count() == 0


@pytest.mark.parametrize(("data", "name", "words"), [
    (b"", "a.csv", "Tệp rỗng"),
    (b"\xff\xfe\x00\x00garbage", "a.csv", "UTF-8"),
    (b"PK\x03\x04 not really a zip", "a.xlsx", "XLSX"),
    (b"code,name\n70,Binh Phuoc\n", "a.csv", "Thiếu cột"),
    (b"whatever", "a.pdf", "Không hỗ trợ"),
])
def test_broken_files_get_a_clear_error(ctx, data, name, words):
    with pytest.raises(TableError, match=words):
        read_table(data, name, localities.IMPORT_COLUMNS)


def test_cli_import_reports_line_numbers_and_writes_nothing(runner, app, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "70,Bình Phước,Tỉnh,\n693,Bù Đốp,Huyện,99\n", encoding="utf-8")
    result = runner.invoke(args=["localities", "import", str(bad)])
    assert result.exit_code != 0
    assert "Dòng 3" in result.output
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "70,Bình Phước,Tỉnh,\n693,Bù Đốp,Huyện,70\n", encoding="utf-8")
    result = runner.invoke(args=["localities", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    with app.app_context():
        assert count() == 2


def test_children_hide_units_that_no_longer_exist(ctx, tree):
    from datetime import date

    old = localities.get_by_code(tree["d2"])
    old.dissolved_on = date(2025, 7, 1)
    db.session.commit()
    province = localities.get_by_code(tree["province"])
    assert sorted(c.code for c in localities.children(province, on=date(2025, 6, 30))) == ["901", "902"]
    assert [c.code for c in localities.children(province, on=date(2025, 7, 1))] == ["901"]


def test_search_ignores_vietnamese_accents(ctx, tree):
    assert [loc.code for loc in localities.search("tan thanh")] == [tree["c1"]]
    assert [loc.code for loc in localities.search("PHÚ VĂN")] == [tree["c2"]]


# A property: the SQL subtree condition agrees with the definition "my path starts with yours".
codes = st.text(alphabet="0123456789", min_size=1, max_size=4)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parents=st.lists(st.integers(min_value=-1, max_value=30), min_size=1, max_size=30))
def test_subtree_clause_matches_path_prefixes(ctx, parents):
    db.session.execute(Locality.__table__.delete())
    rows = []
    for i, parent in enumerate(parents):
        parent_index = parent if 0 <= parent < i else None
        code = f"{i}"
        path = (rows[parent_index]["path"] if parent_index is not None else "/") + f"{code}/"
        rows.append({"code": code, "name": f"U{i}", "type": "Xã", "path": path, "depth": path.count("/") - 2})
    db.session.execute(Locality.__table__.insert(), rows)
    for root in rows:
        got = set(db.session.scalars(select(Locality.code).where(
            localities.subtree_clause(Locality.path, root["path"]))))
        expected = {r["code"] for r in rows if r["path"].startswith(root["path"])}
        assert got == expected
    db.session.rollback()


def test_import_page_for_admins_shows_the_report(client, app, make_user, login):
    admin = make_user(roles={"admin": None})
    login(admin)
    data = {"file": (io.BytesIO((HEADER + "70,Bình Phước,Tỉnh,\n693,Bù Đốp,Huyện,99\n").encode()), "x.csv")}
    response = client.post("/admin/localities/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "99" in response.get_data(as_text=True)
    with app.app_context():
        assert count() == 0
    data = {"file": (io.BytesIO((HEADER + "70,Bình Phước,Tỉnh,\n").encode()), "x.csv")}
    response = client.post("/admin/localities/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    with app.app_context():
        assert count() == 1


def test_children_come_in_vietnamese_order(app, make_locality, client):
    from app.localities import service as localities

    make_locality("80", "Thử", "Tỉnh")
    for code, name in (("801", "Zê"), ("802", "Đồng Xoài"), ("803", "Dương"), ("804", "Em")):
        make_locality(code, name, "Xã", parent="80")
    with app.app_context():
        assert [loc.code for loc in localities.children(localities.get_by_code("80"))] == ["803", "802", "804", "801"]
    api = client.get("/api/v1/localities/80/children").get_json()
    assert [loc["name"] for loc in api["localities"]] == ["Dương", "Đồng Xoài", "Em", "Zê"]


def test_children_with_the_same_name_are_told_apart_by_code(app, make_locality, client):
    make_locality("80", "Thử", "Tỉnh")
    make_locality("801", "Tân Tiến", "Xã", parent="80")
    make_locality("80101", "1", "Ấp", parent="801")
    make_locality("80102", "1", "Ấp", parent="801")
    make_locality("80103", "2", "Ấp", parent="801")
    api = client.get("/api/v1/localities/801/children").get_json()
    assert [loc["label"] for loc in api["localities"]] == ["Ấp 1 (80101)", "Ấp 1 (80102)", "Ấp 2"]
