"""Finding the way back: "Học tiếp" on the home page at the person's next step, and a menu per role."""
from __future__ import annotations

LESSON = "/learn/tai-khoan-dich-vu-cong/tao-tai-khoan-dvc"


def _vi(client):
    client.post("/lang", data={"lang": "vi"})


def test_home_offers_to_continue_at_the_next_step(client, shipped, make_user, login):
    login(make_user())
    _vi(client)
    assert 'id="continue-learning"' not in client.get("/").get_data(as_text=True)  # nothing started yet
    client.post(f"{LESSON}/step/1")
    client.post(f"{LESSON}/step/2")
    html = client.get("/").get_data(as_text=True)
    assert "Học tiếp" in html
    assert f'href="{LESSON}/step/3"' in html


def test_after_a_finished_lesson_home_offers_the_next_lesson_of_the_course(client, app, shipped, make_user, login):
    from sqlalchemy import select

    from app.core.extensions import db
    from app.learn.models import Lesson
    from app.learn.progress import mark_done

    user = make_user()
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "tao-tai-khoan-dvc"))
        for key in lesson.required_keys:
            mark_done(user.id, lesson, key)
        db.session.commit()
    login(user)
    html = client.get("/").get_data(as_text=True)
    assert 'href="/learn/tai-khoan-dich-vu-cong/kich-hoat-vneid-muc-2/step/1"' in html


def test_citizens_see_no_officials_training_in_the_menu(client, make_user, login, tree):
    assert 'href="/training/"' not in client.get("/").get_data(as_text=True)
    login(make_user(locality=tree["v1"]))
    html = client.get("/").get_data(as_text=True)
    assert 'href="/training/"' not in html
    assert 'href="/learn/"' in html


def test_officials_see_their_training(client, make_user, login, tree):
    login(make_user(kind="official", locality=tree["c1"]))
    assert 'href="/training/"' in client.get("/").get_data(as_text=True)


def test_helpers_have_a_help_citizens_entry(client, make_user, login, tree):
    login(make_user(roles={"helper": tree["v1"]}, locality=tree["v1"]))
    _vi(client)
    html = client.get("/").get_data(as_text=True)
    assert '<a href="/learn/assist/">Hỗ trợ người dân</a>' in html
