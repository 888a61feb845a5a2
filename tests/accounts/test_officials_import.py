"""Admins and organizers import officials from CSV/XLSX: every row checked, nothing written on error."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from app.accounts.models import User, WorkplaceUnit
from app.core.extensions import db
from app.core.tabular import write_xlsx

HEADER = "phone,full_name,locality_code,workplace_unit,position\n"


def upload(client, text: str | bytes, name: str = "officials.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post("/admin/officials/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def officials(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)).where(User.kind == "official"))


def test_organizer_imports_officials_and_their_units(client, app, make_user, login, tree):
    login(make_user(roles={"organizer": tree["province"]}))
    response = upload(client, HEADER + "0912345678,Nguyễn Văn An,90101,UBND xã Tân Thành,Chủ tịch\n"
                                       "0912345679,Trần Thị Bình,90101,UBND xã Tân Thành,Công chức tư pháp\n")
    assert response.status_code == 200, response.get_data(as_text=True)
    with app.app_context():
        people = db.session.scalars(select(User).where(User.kind == "official").order_by(User.phone)).all()
        assert [p.full_name for p in people] == ["Nguyễn Văn An", "Trần Thị Bình"]
        assert {p.workplace_unit.name for p in people} == {"UBND xã Tân Thành"}
        assert db.session.scalar(select(func.count(WorkplaceUnit.id))) == 1


def test_xlsx_import_updates_existing_people(client, app, make_user, login, tree):
    make_user(phone="0912345678", full_name="Tên Cũ", locality=tree["c1"])
    login(make_user(roles={"organizer": tree["province"]}))
    data = write_xlsx(["phone", "full_name", "locality_code", "workplace_unit", "position"],
                      [["0912345678", "Tên Mới", "90101", "UBND xã Tân Thành", "Phó chủ tịch"]])
    assert upload(client, data, "officials.xlsx").status_code == 200
    with app.app_context():
        person = db.session.scalar(select(User).where(User.phone == "0912345678"))
        assert (person.full_name, person.kind, person.position) == ("Tên Mới", "official", "Phó chủ tịch")


def test_one_bad_row_names_the_row_and_writes_nothing(client, app, make_user, login, tree):
    login(make_user(roles={"organizer": tree["province"]}))
    response = upload(client, HEADER + "0912345678,Nguyễn Văn An,90101,UBND xã Tân Thành,Chủ tịch\n"
                                       "0123,Sai Số,90101,UBND xã Tân Thành,\n"
                                       "0912345670,Không Xã,99999,UBND,\n")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<td>3</td>" in html
    assert "<td>4</td>" in html
    assert officials(app) == 0


def test_organizer_cannot_import_into_another_area(client, app, make_user, login, tree):
    login(make_user(roles={"organizer": tree["d1"]}))
    response = upload(client, HEADER + "0912345678,Nguyễn Văn An,90201,UBND xã Phú Văn,Chủ tịch\n")
    assert response.status_code == 400
    assert "90201" in response.get_data(as_text=True)
    assert officials(app) == 0


def test_broken_file_is_refused_with_a_message(client, app, make_user, login, tree):
    login(make_user(roles={"organizer": tree["province"]}))
    response = upload(client, b"PK\x03\x04broken", "officials.xlsx")
    assert response.status_code == 400
    assert "XLSX" in response.get_data(as_text=True)
    assert officials(app) == 0


def test_citizens_and_managers_cannot_import(client, make_user, login, tree):
    login(make_user(roles={"manager": tree["province"]}))
    assert upload(client, HEADER).status_code == 403


def test_cli_import_with_progress(runner, app, make_user, tree, tmp_path):
    make_user(phone="0900000099", roles={"admin": None})
    path = tmp_path / "o.csv"
    path.write_text(HEADER + "0912345678,Nguyễn Văn An,90101,UBND xã Tân Thành,Chủ tịch\n", encoding="utf-8")
    result = runner.invoke(args=["officials", "import", str(path), "--as", "0900000099"])
    assert result.exit_code == 0, result.output
    assert "1 created" in result.output
    assert officials(app) == 1
