"""Admins and organizers import officials from CSV/XLSX: every row checked, nothing written on error."""
from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from app.accounts.models import User, WorkplaceUnit
from app.core.extensions import db
from app.core.models import AuditEvent
from app.core.tabular import write_xlsx

HEADER = "phone,full_name,locality_code,workplace_unit,position\n"


def upload(client, text: str | bytes, name: str = "officials.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post("/admin/officials/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def confirm(client, listed):
    """Confirm the changes a previous upload listed (its token is in the confirmation form)."""
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{32})"', listed.get_data(as_text=True))
    assert token, "no confirmation form"
    return client.post("/admin/officials/import", data={"token": token.group(1)})


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
    listed = upload(client, data, "officials.xlsx")
    assert listed.status_code == 200
    assert "Tên Cũ → Tên Mới" in listed.get_data(as_text=True)  # listed for confirmation first
    with app.app_context():
        assert db.session.scalar(select(User.full_name).where(User.phone == "0912345678")) == "Tên Cũ"
    assert confirm(client, listed).status_code == 200
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


# --- issue 19, item 8: an import never takes over an existing account ----------------------------


def test_an_import_never_changes_an_existing_accounts_email(client, app, make_user, login, tree):
    """A district organizer's row with an existing citizen's phone and the attacker's e-mail: the
    account keeps its own e-mail (and so its password reset), whatever is confirmed."""
    make_user(phone="0912345678", full_name="Người Dân", locality=tree["v1"], email="dan@example.vn")
    login(make_user(roles={"organizer": tree["d1"]}))
    listed = upload(client, "phone,full_name,locality_code,workplace_unit,position,email\n"
                            "0912345678,Người Dân,90101,UBND xã,Cán bộ,attacker@evil.example\n")
    assert listed.status_code == 200
    assert "attacker@evil.example" not in listed.get_data(as_text=True)
    confirm(client, listed)
    with app.app_context():
        person = db.session.scalar(select(User).where(User.phone == "0912345678"))
        assert person.email == "dan@example.vn"


def test_an_existing_account_without_a_locality_is_changed_only_by_an_admin(client, app, make_user, login, tree):
    make_user(phone="0912345678", full_name="Chưa Có Địa Bàn")
    login(make_user(roles={"organizer": tree["d1"]}))
    response = upload(client, HEADER + "0912345678,Chưa Có Địa Bàn,90101,UBND xã,Cán bộ\n")
    assert response.status_code == 400
    assert "số điện thoại này thuộc về người ngoài địa bàn bạn phụ trách" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.kind).where(User.phone == "0912345678")) == "citizen"


def test_changes_to_existing_accounts_are_listed_first_and_audited_per_account(client, app, make_user, login,
                                                                                  tree):
    first = make_user(phone="0912345678", full_name="Lê Văn Cũ", locality=tree["v1"])
    second = make_user(phone="0912345679", full_name="Phan Thị Hai", locality=tree["v1"])
    organizer = make_user(roles={"organizer": tree["d1"]})
    login(organizer)
    rows = (HEADER + "0912345678,Lê Văn Mới,90101,UBND xã Tân Thành,Chủ tịch\n"
                     "0912345679,Phan Thị Hai,90101,UBND xã Tân Thành,Công chức\n"
                     "0912345670,Người Mới,90101,UBND xã Tân Thành,Công chức\n")
    listed = upload(client, rows)
    page = listed.get_data(as_text=True)
    assert listed.status_code == 200
    assert "Chưa ghi gì: tệp thay đổi 2 tài khoản đã có" in page
    assert "Lê Văn Cũ → Lê Văn Mới" in page
    assert "citizen → official" in page
    assert officials(app) == 0  # nothing written, not even the new account
    assert confirm(client, listed).status_code == 200
    assert officials(app) == 3
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "official.import_change")
                                    .order_by(AuditEvent.object_id)).all()
        assert [(e.actor_id, e.object_id) for e in events] == [(organizer.id, str(first.id)),
                                                              (organizer.id, str(second.id))]
        assert events[0].details["changes"]["full_name"] == ["Lê Văn Cũ", "Lê Văn Mới"]
        assert events[0].details["changes"]["kind"] == ["citizen", "official"]
        assert events[1].details["changes"]["position"] == [None, "Công chức"]


def test_a_confirmation_is_accepted_once_and_only_from_the_session_that_uploaded(client, app, make_user, login,
                                                                                  tree):
    make_user(phone="0912345678", full_name="Lê Văn Cũ", locality=tree["v1"])
    login(make_user(roles={"organizer": tree["d1"]}))
    listed = upload(client, HEADER + "0912345678,Lê Văn Mới,90101,UBND xã,Chủ tịch\n")
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{32})"', listed.get_data(as_text=True)).group(1)
    other = app.test_client()
    other.post("/auth/login", data={"login": "0912345678", "password": "secret-pass-1"})
    assert other.post("/admin/officials/import", data={"token": token}).status_code in (302, 403)
    assert client.post("/admin/officials/import", data={"token": "0" * 32}).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(User.full_name).where(User.phone == "0912345678")) == "Lê Văn Cũ"
