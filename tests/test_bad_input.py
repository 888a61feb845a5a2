"""Bad input on every form of the foundation: a clear message in the person's language, a 4xx
(never a 500), and nothing written."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.accounts.models import RoleGrant, User
from app.core.extensions import db
from app.localities.models import Locality

HOSTILE = [
    "",
    "x" * 10_000,
    "<script>alert(1)</script>",
    "'; DROP TABLE users; --",
    "0912345678' OR '1'='1",
    "\x00\x01\x02",
    "Nguyễn\u202eVăn",
]


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count(User.id))),
                db.session.scalar(select(func.count(Locality.id))),
                db.session.scalar(select(func.count(RoleGrant.id))))


@pytest.mark.parametrize("value", HOSTILE)
def test_registration_refuses_hostile_values(client, app, tree, value):
    before = counts(app)
    response = client.post("/auth/register", data={
        "full_name": value, "login": value, "birth_year": value, "password": value, "confirm": value,
        "loc": [value]})
    assert 400 <= response.status_code < 500
    html = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert ("Vui lòng sửa các ô được đánh dấu." in html or "Hãy chọn" in html
            or "ký tự điều khiển" in html)  # control characters are refused before the form
    assert counts(app) == before


@pytest.mark.parametrize("phone", ["0112345678", "091234567", "+1 202 555 0100", "09123456789", "abc"])
def test_registration_refuses_wrong_phone_formats_with_a_message(client, app, tree, phone):
    with app.app_context():
        from app.localities.service import get_by_code

        vid = get_by_code(tree["v1"]).id
    response = client.post("/auth/register", data={
        "full_name": "Nguyễn Văn An", "login": phone, "password": "mat-khau-123", "confirm": "mat-khau-123",
        "loc": [str(vid)]})
    assert response.status_code == 400
    assert "10 chữ số" in response.get_data(as_text=True)
    assert counts(app)[0] == 0


@pytest.mark.parametrize("value", HOSTILE)
def test_login_and_reset_refuse_hostile_values(client, app, value):
    assert 400 <= client.post("/auth/login", data={"login": value, "password": value}).status_code < 500
    response = client.post("/auth/reset", data={"login": value})
    assert response.status_code in (302, 400)
    assert counts(app)[0] == 0


@pytest.mark.parametrize("value", HOSTILE)
def test_profile_refuses_hostile_values_and_keeps_the_old_data(client, app, make_user, login, tree, value):
    user = make_user(full_name="Tên Cũ", locality=tree["v1"], kind="official")
    login(user)
    response = client.post("/auth/profile", data={"full_name": value, "birth_year": value, "loc": [value],
                                                  "workplace_unit": value, "position": value})
    assert 400 <= response.status_code < 500
    with app.app_context():
        saved = db.session.get(User, user.id)
        assert saved.full_name == "Tên Cũ"
        assert saved.workplace_unit is None


@pytest.mark.parametrize("value", HOSTILE)
def test_role_grant_refuses_hostile_values(client, app, make_user, login, tree, value):
    admin = make_user(roles={"admin": None})
    person = make_user(locality=tree["v1"])
    login(admin)
    before = counts(app)
    response = client.post(f"/admin/users/{person.id}/roles", data={"role": value, "locality_code": value})
    assert 400 <= response.status_code < 500
    assert counts(app) == before


def test_role_grant_with_an_unknown_locality_code_is_refused(client, app, make_user, login, tree):
    login(make_user(roles={"admin": None}))
    person = make_user(locality=tree["v1"])
    response = client.post(f"/admin/users/{person.id}/roles", data={"role": "manager", "locality_code": "77777"})
    assert response.status_code == 400
    assert "Mã địa bàn không tồn tại." in response.get_data(as_text=True)


def test_manager_may_only_make_helpers_inside_their_area(client, app, make_user, login, tree):
    login(make_user(locality=tree["d1"], roles={"manager": tree["d1"]}))
    person = make_user(locality=tree["v1"])
    assert client.post(f"/admin/users/{person.id}/roles",
                       data={"role": "admin", "locality_code": tree["v1"]}).status_code == 400
    assert client.post(f"/admin/users/{person.id}/roles",
                       data={"role": "helper", "locality_code": tree["v2"]}).status_code == 400
    assert client.post(f"/admin/users/{person.id}/roles",
                       data={"role": "helper", "locality_code": tree["v1"]}).status_code == 302
    with app.app_context():
        grants = db.session.scalars(select(RoleGrant).where(RoleGrant.user_id == person.id)).all()
        assert [(g.role, g.locality.code) for g in grants] == [("helper", tree["v1"])]


@pytest.mark.parametrize(("data", "name"), [
    (b"", "x.csv"), (b"\x89PNG\r\n\x1a\n", "x.csv"), (b"PK\x03\x04junk", "x.xlsx"), (b"a,b\n1,2\n", "x.csv"),
    ("code,name,type,parent_code\n" + "1,<script>x</script>,Xã,\n" * 3, "x.csv"),
    ("code,name,type,parent_code\n1,'; DROP TABLE localities; --,Xã,999\n", "x.csv"),
])
def test_locality_import_refuses_broken_files(client, app, make_user, login, data, name):
    login(make_user(roles={"admin": None}))
    payload = data.encode() if isinstance(data, str) else data
    response = client.post("/admin/localities/import", data={"file": (io.BytesIO(payload), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert counts(app)[1] == 0


def test_an_import_without_a_file_is_refused(client, make_user, login):
    login(make_user(roles={"admin": None}))
    response = client.post("/admin/localities/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Hãy chọn tệp để tải lên." in response.get_data(as_text=True)


def test_search_with_sql_looking_text_is_harmless(client, make_user, login, tree):
    login(make_user(roles={"manager": tree["province"]}))
    for term in ["%", "_", "' OR 1=1 --", "x" * 10_000]:
        assert client.get("/admin/users", query_string={"q": term}).status_code == 200


def test_nul_characters_anywhere_are_refused_before_reaching_the_database(client, make_user, login, tree):
    login(make_user(roles={"manager": tree["province"]}))
    assert client.get("/admin/users", query_string={"q": "a\x00b"}).status_code == 400
    assert client.post("/auth/login", data={"login": "09\x00", "password": "x"}).status_code == 400


@pytest.mark.parametrize("path", ["/api/v1/contests/a%00b", "/api/v1/localities/9%000/children",
                                  "/api/v1/contests/a%00b/rounds/1/leaderboard", "/contests/a%00b"])
def test_nul_characters_in_a_url_path_are_refused_before_reaching_the_database(client, path):
    """PostgreSQL cannot compare text holding NUL: such a path was a 500 there."""
    response = client.get(path)
    assert response.status_code == 400
