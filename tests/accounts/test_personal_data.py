"""People in control of their data (issue 19, item 11; Decree 13/2023/NĐ-CP): a privacy notice at
registration, a download of everything held about the person, and the deletion of their account
with their results kept as anonymous rows and their certificates revoked."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from app.accounts.models import User
from app.contests import attempts
from app.contests.models import ContestAttempt, ContestEntry, ContestLocalityTally, ContestRound
from app.core.extensions import db
from app.core.models import AuditEvent
from app.training.models import Certificate
from tests.contests.conftest import NOW, register, right_answers, world  # noqa: F401


def test_registration_shows_the_privacy_notice(client):
    html = client.get("/auth/register").get_data(as_text=True)
    assert "Nghị định 13/2023/NĐ-CP" in html
    for heading in ("Những gì chúng tôi lưu", "Để làm gì", "Lưu trong bao lâu", "Ai được xem"):
        assert heading in html


def _took_part(app, world, person):  # noqa: F811
    with app.app_context():
        round_ = db.session.get(ContestRound, world["round_id"])
        attempt = attempts.start_attempt(round_, person.id, now=NOW)
        db.session.commit()
        attempts.submit_attempt(attempt, right_answers(attempt), 3, now=NOW + timedelta(seconds=40))
        db.session.commit()
        db.session.add(Certificate(code="CDS-THU-00000000000000001", kind="contest", user_id=person.id, subject="Cuộc thi thử",
                                   full_name=person.full_name, contest_round_id=round_.id))
        db.session.commit()


def test_a_person_downloads_everything_held_about_them(app, client, login, world, register):  # noqa: F811
    person = register(name="Nguyễn Văn An")
    _took_part(app, world, person)
    login(person)
    response = client.get("/auth/my-data")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["account"]["full_name"] == "Nguyễn Văn An"
    assert data["account"]["phone"] == person.phone
    assert "password_hash" not in data["account"]
    assert data["contest_entries"][0]["full_name"] == "Nguyễn Văn An"
    assert data["contest_attempts"][0]["status"] == "submitted"
    assert data["certificates"][0]["code"] == "CDS-THU-00000000000000001"
    assert client.get("/auth/logout").status_code == 405  # (logout is a POST)


def test_my_data_needs_a_login(client):
    assert client.get("/auth/my-data").status_code == 302


def test_deleting_an_account_needs_the_password(app, client, login, make_user):
    person = make_user(full_name="Trần Thị Bình")
    login(person)
    response = client.post("/auth/delete-account", data={"password": "wrong-password"})
    assert response.status_code == 400
    assert "Mật khẩu không đúng." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, person.id).full_name == "Trần Thị Bình"


def test_a_deleted_account_is_anonymised_and_its_results_stay_as_anonymous_rows(
        app, client, login, world, register):  # noqa: F811
    person = register(name="Nguyễn Văn An")
    _took_part(app, world, person)
    with app.app_context():
        tallies_before = [(t.locality_id, t.participants) for t in db.session.scalars(
            select(ContestLocalityTally).order_by(ContestLocalityTally.locality_id))]
    login(person)
    response = client.post("/auth/delete-account", data={"password": "secret-pass-1"})
    assert response.status_code == 302
    assert client.get("/auth/profile").status_code == 302  # logged out
    assert client.post("/auth/login", data={"login": person.phone, "password": "secret-pass-1"}).status_code == 400
    with app.app_context():
        account = db.session.get(User, person.id)
        assert (account.full_name, account.phone, account.email, account.password_hash, account.active) == (
            "Người dùng đã xoá", None, None, None, False)
        assert account.deleted_at is not None
        entry = db.session.scalar(select(ContestEntry).where(ContestEntry.user_id == person.id))
        assert (entry.full_name, entry.phone, entry.birth_year) == ("Ẩn danh", None, None)
        attempt = db.session.scalar(select(ContestAttempt).where(ContestAttempt.user_id == person.id))
        assert attempt.status == "submitted"  # the result stays, anonymous
        assert [(t.locality_id, t.participants) for t in db.session.scalars(
            select(ContestLocalityTally).order_by(ContestLocalityTally.locality_id))] == tallies_before
        certificate = db.session.scalar(select(Certificate).where(Certificate.user_id == person.id))
        assert certificate.revoked_at is not None
        assert certificate.full_name == "Ẩn danh"
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "account.delete")) == 1


def test_a_helper_sees_the_phone_numbers_of_their_area_masked(client, login, make_user, tree):
    make_user(phone="0912345678", full_name="Người Dân", locality=tree["v1"])
    login(make_user(roles={"helper": tree["c1"]}))
    html = client.get("/admin/users").get_data(as_text=True)
    assert "Người Dân" in html
    assert "091****678" in html
    assert "0912345678" not in html


def test_a_manager_sees_the_phone_numbers_of_their_area(client, login, make_user, tree):
    make_user(phone="0912345678", full_name="Người Dân", locality=tree["v1"])
    login(make_user(roles={"manager": tree["d1"]}))
    assert "0912345678" in client.get("/admin/users").get_data(as_text=True)


def test_views_and_exports_of_personal_data_by_staff_are_audited(app, client, login, world, register):  # noqa: F811
    register(name="Nguyễn Văn An")
    organizer = world["organizer"]
    login(organizer)
    assert client.get("/admin/users").status_code == 200
    assert client.get(f"/organize/rounds/{world['round_id']}/export/participants.xlsx").status_code == 200
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("personal_data.%"))
                                    .order_by(AuditEvent.id)).all()
        assert [(e.action, e.actor_id, e.details["what"]) for e in events] == [
            ("personal_data.view", organizer.id, "Danh sách mọi người"),
            ("personal_data.export", organizer.id, "Danh sách người dự thi và kết quả"),
        ]
        assert events[1].details["format"] == "xlsx"
        assert events[1].at is not None


def test_a_deleted_persons_name_leaves_the_live_board_at_once(app, client, login, world, register):  # noqa: F811
    """The live board caches rendered rows (names) in Redis; deleting an account drops that
    person's row so the next read shows the anonymous name (same rank, same result)."""
    import time_machine

    person = register(name="Trương Thị Bảo")
    _took_part(app, world, person)
    board = "/contests/cuoc-thi/rounds/1/board?group=citizen"
    with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
        assert "Trương T. B" in client.get(board).get_data(as_text=True)  # read once: cached
        login(person)
        assert client.post("/auth/delete-account", data={"password": "secret-pass-1"}).status_code == 302
        page = client.get(board).get_data(as_text=True)
    assert "Trương T. B" not in page
    assert "Ẩn d" in page
