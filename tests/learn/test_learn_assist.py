"""Assisted learning: a helper guides a citizen of their own area; progress is "assisted by" them."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.core.extensions import db
from app.learn.models import AssistedSession, LessonProgress, StepProgress
from tests.learn.conftest import check_answer

LESSON = "/learn/an-toan-va-phan-anh/nhan-biet-lua-dao"


@pytest.fixture
def helper(make_user, login, tree):
    user = make_user(full_name="Hoàng Thị Hỗ Trợ", roles={"helper": tree["v1"]}, locality=tree["v1"])
    login(user)
    return user


def test_helper_finds_citizens_of_their_area_only_without_accents(client, helper, make_user, tree):
    near = make_user(full_name="Nguyễn Văn Bảy", locality=tree["v1"])
    make_user(full_name="Nguyễn Văn Bảy", locality=tree["v2"])  # same name, other district
    html = client.get("/learn/assist/?q=nguyen+van+bay").get_data(as_text=True)
    assert f"start-{near.id}" in html
    assert html.count('data-testid="start-') == 1
    html = client.get(f"/learn/assist/?q={near.phone}").get_data(as_text=True)
    assert f"start-{near.id}" in html


def test_a_citizen_of_another_area_cannot_be_assisted(client, helper, make_user, tree):
    far = make_user(locality=tree["v2"])
    assert client.post(f"/learn/assist/start/{far.id}").status_code == 404


def test_assisted_progress_belongs_to_the_citizen_and_names_the_helper(
        client, app, shipped, helper, make_user, tree):
    citizen = make_user(full_name="Lò Thị Mai", locality=tree["v1"])
    assert client.post(f"/learn/assist/start/{citizen.id}").status_code == 302
    assert 'data-testid="assist-banner"' in client.get("/learn/").get_data(as_text=True)
    for number, choice in ((1, 2), (2, 1), (3, None), (4, None)):
        url = f"{LESSON}/step/{number}"
        data = check_answer(client, app, url, choice) if choice else {}
        assert client.post(url, data=data).status_code == 302
    with app.app_context():
        progress = db.session.scalar(select(LessonProgress))
        assert progress.user_id == citizen.id
        assert progress.assisted_by_id == helper.id
        assert progress.completed_at is not None
        steps = db.session.scalars(select(StepProgress)).all()
        assert {s.user_id for s in steps} == {citizen.id}
        assert {s.assisted_by_id for s in steps} == {helper.id}
        session_id = db.session.scalar(select(AssistedSession.id))
    html = client.get("/learn/assist/").get_data(as_text=True)
    assert "Lò Thị Mai" in html
    counts = html[html.index('id="village-counts"'):]
    assert "<td class=\"num\">1</td>" in counts  # one session, one lesson completed (assisted)
    assert client.post(f"/learn/assist/{session_id}/end").status_code == 302
    with app.app_context():
        assert db.session.get(AssistedSession, session_id).ended_at is not None
    client.post(f"{LESSON}/step/1", data=check_answer(client, app, f"{LESSON}/step/1", 2))
    with app.app_context():  # after the session the helper's own progress is saved, unassisted
        mine = db.session.scalar(select(StepProgress).where(StepProgress.user_id == helper.id))
        assert mine is not None
        assert mine.assisted_by_id is None


def test_helper_creates_an_assisted_account_without_a_phone(client, app, helper, tree):
    with app.app_context():
        from app.localities.service import get_by_code

        village_id = get_by_code(tree["v1"]).id
        far_id = get_by_code(tree["v2"]).id
    response = client.post("/learn/assist/new", data={"full_name": "Điểu Thị Lan", "birth_year": 1956,
                                                      "locality_id": village_id})
    assert response.status_code == 302
    with app.app_context():
        person = db.session.scalar(select(User).where(User.full_name == "Điểu Thị Lan"))
        assert person.is_assisted
        assert person.phone is None
        assert person.created_by_id == helper.id
        assert db.session.scalar(select(AssistedSession.citizen_id)) == person.id
    response = client.post("/learn/assist/new", data={"full_name": "Người Xa", "locality_id": far_id})
    assert response.status_code == 422


def test_citizens_cannot_open_the_helper_pages(client, make_user, login, tree):
    login(make_user(locality=tree["v1"]))
    assert client.get("/learn/assist/").status_code == 403


def test_ending_a_session_sends_the_citizen_a_summary_when_they_have_a_phone(
        client, app, runner, shipped, helper, make_user, tree):
    from app.core.channels import MemoryAdapter

    citizen = make_user(full_name="Lò Thị Mai", locality=tree["v1"])
    client.post(f"/learn/assist/start/{citizen.id}")
    for number, choice in ((1, 2), (2, 1), (3, None), (4, None)):
        url = f"{LESSON}/step/{number}"
        client.post(url, data=check_answer(client, app, url, choice) if choice else {})
    with app.app_context():
        session_id = db.session.scalar(select(AssistedSession.id).where(AssistedSession.citizen_id == citizen.id))
    client.post(f"/learn/assist/{session_id}/end")
    assert runner.invoke(args=["notify", "send", "--no-collect"]).exit_code == 0
    (summary,) = [m for m in MemoryAdapter.sent if m.kind == "assisted_summary"]
    assert summary.address == citizen.phone
    assert "Hoàng Thị Hỗ Trợ" in summary.body
    assert "Nhận biết" in summary.body or "lừa đảo" in summary.body.lower()
    assert summary.params["steps"] == 4


def test_a_citizen_without_a_phone_gets_no_summary(app, helper, tree):
    from app.core.models import OutboxMessage
    from app.learn import progress
    from app.localities.service import get_by_code

    with app.app_context():
        helper_user = db.session.get(User, helper.id)
        citizen = progress.create_assisted_citizen(helper_user, "Cụ Bà Không Máy", get_by_code(tree["v1"]))
        session = progress.start_session(helper_user, citizen)
        assert progress.end_session(session) is None
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == 0


def test_a_helpers_registrations_are_not_capped_per_address_and_are_audited_under_the_helper(
        rate_limited_app):
    """Issue 15 item 7: a commune office registers many villagers from one address; the public
    registration cap per address does not apply to a helper's assisted accounts, each of which is
    recorded under the helper's name."""
    from app.accounts.models import RoleGrant
    from app.core.models import AuditEvent
    from app.core.text import fold
    from app.localities.models import Locality
    from app.localities.service import path_for

    limited = rate_limited_app(REGISTRATIONS_PER_IP_PER_HOUR=2)
    with limited.app_context():
        for code, name, kind, parent in (("90", "Tỉnh Thử", "Tỉnh", None), ("901", "Huyện Một", "Huyện", "90"),
                                         ("90101", "Xã Tân Thành", "Xã", "901"),
                                         ("9010101", "Ấp 1", "Ấp", "90101")):
            parent_loc = db.session.scalar(select(Locality).where(Locality.code == parent)) if parent else None
            db.session.add(Locality(code=code, name=name, search_name=fold(name), type=kind, parent=parent_loc,
                                    path=path_for(parent_loc.path if parent_loc else None, code),
                                    depth=parent_loc.depth + 1 if parent_loc else 0))
            db.session.flush()
        db.session.flush()
        helper = User(phone="0911111111", full_name="Người Hỗ Trợ", kind="citizen",
                      locality=db.session.scalar(select(Locality).where(Locality.code == "9010101")))
        helper.set_password("secret-pass-1")
        db.session.add(helper)
        db.session.flush()
        db.session.add(RoleGrant(user_id=helper.id, role="helper",
                                 locality_id=db.session.scalar(select(Locality.id).where(Locality.code == "90101"))))
        village_id = db.session.scalar(select(Locality.id).where(Locality.code == "9010101"))
        db.session.commit()
        helper_id = helper.id
    client = limited.test_client()
    assert client.post("/auth/login", data={"login": "0911111111", "password": "secret-pass-1"}).status_code == 302
    for n in range(4):  # twice the public cap, from one address
        response = client.post("/learn/assist/new", data={"full_name": f"Điểu Thị Lan {n}", "birth_year": 1956,
                                                          "locality_id": village_id})
        assert response.status_code == 302
    with limited.app_context():
        created = db.session.scalars(select(User.id).where(User.created_by_id == helper_id)).all()
        assert len(created) == 4
        audited = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "account.assisted_create")).all()
        assert {(e.actor_id, int(e.object_id)) for e in audited} == {(helper_id, user_id) for user_id in created}
