"""A citizen downloads a course on a 360 px phone, loses the signal, completes steps (a plain step,
a rehearsal form with a mistake first, a check question) and finds the progress on the server once
the network returns. And a video lesson completes from what the player played, not a button."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.extensions import db
from tests.e2e.conftest import choose_option

COURSES = Path(__file__).resolve().parents[2] / "courses"
PASSWORD = "secret-pass-1"
LESSON = "/learn/tai-khoan-dich-vu-cong/tao-tai-khoan-dvc"


@pytest.fixture
def loaded(app):
    from app.learn.content import load_content

    with app.app_context():
        load_content(COURSES)
        db.session.commit()


def _done_keys(app, user_id: int) -> list[str]:
    from app.learn.models import StepProgress

    with app.app_context():
        return sorted(db.session.scalars(select(StepProgress.step_key).where(StepProgress.user_id == user_id)))


def test_a_downloaded_course_works_offline_and_syncs_once_back_online(phone_page, app, loaded, make_user):
    page = phone_page
    user = make_user(full_name="Nguyễn Thị Mai")
    page.goto("/auth/login")
    page.fill("input[name=login]", user.phone)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    page.wait_for_load_state()

    page.goto("/learn/tai-khoan-dich-vu-cong/")
    page.wait_for_selector("#offline-download:not([hidden])")
    assert page.locator("#offline-size").inner_text().strip()  # the size is shown before downloading
    assert page.locator("#offline-video-size").inner_text().strip()
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()  # the page is now answered by the service worker
    page.wait_for_selector("#offline-download:not([hidden])")
    assert page.evaluate("!!navigator.serviceWorker.controller")
    page.click("#offline-button")
    page.wait_for_selector("#offline-download[data-downloaded=true]")

    page.context.set_offline(True)
    page.goto("/learn/tai-khoan-dich-vu-cong/")  # no network: the course opens from the phone
    assert page.evaluate("navigator.onLine") is False
    page.click(f'a[href="{LESSON}/"]')
    page.wait_for_url(f"**{LESSON}/")
    page.click("#start")
    page.wait_for_url(f"**{LESSON}/step/1")
    page.goto(f"{LESSON}/step/3")
    page.click("#next")  # a plain step
    page.wait_for_url(f"**{LESSON}/step/4")
    assert page.locator("#offline-saved").is_visible()
    # the rehearsal form, graded on the phone: a mistake first, then right
    page.fill("#f_so_dinh_danh", "0700 8500")
    page.fill("#f_ho_ten", "Nguyễn Văn An")
    page.fill("#f_dien_thoai", "0912 345 678")
    page.click("#next")
    assert page.locator("#offline-error").is_visible()
    assert "/step/4" in page.url
    page.fill("#f_so_dinh_danh", "0700 8500 1234")
    page.click("#next")
    page.wait_for_url(f"**{LESSON}/step/5")
    # the check question: no choice, a wrong one, then the right one
    page.click("#next")
    assert "Hãy chọn một đáp án" in page.locator("#offline-error").inner_text()
    choose_option(page, app, LESSON, 5, 1)
    page.click("#next")
    assert "/step/5" in page.url
    choose_option(page, app, LESSON, 5, 2)
    page.click("#next")
    page.wait_for_url(f"**{LESSON}/step/6")
    assert _done_keys(app, user.id) == []  # nothing reached the server while offline

    page.context.set_offline(False)
    page.wait_for_selector("html[data-offline-sent='3']", state="attached")
    with app.app_context():
        from app.learn.models import Lesson

        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "tao-tai-khoan-dvc"))
        expected = sorted(step.key for step in lesson.steps[2:5])
    assert _done_keys(app, user.id) == expected
    assert page.evaluate("JSON.parse(localStorage.getItem('cds-offline-queue'))") == []
    page.reload()  # sending again (an online page load) finds nothing left to send
    assert _done_keys(app, user.id) == expected


def test_a_video_lesson_completes_when_most_of_it_was_played(phone_page, app, loaded, make_user):
    """Issue 18: a button completed a video lesson without watching; now the player reports it."""
    from app.learn.models import LessonProgress

    page = phone_page
    user = make_user(full_name="Trần Văn Bảy")
    page.goto("/auth/login")
    page.fill("input[name=login]", user.phone)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    page.wait_for_load_state()
    page.goto("/learn/thu-tuc-cho-tre-moi-sinh/tra-cuu-ho-so/")
    assert page.locator("#watched-form").is_hidden()  # no button to skip the video
    page.locator("#lesson-video").evaluate("v => { v.muted = true; v.playbackRate = 4; return v.play(); }")
    page.wait_for_selector("#watched-form:not([hidden])", timeout=60000)
    with app.app_context():
        for _ in range(50):
            done = db.session.scalar(select(LessonProgress.completed_at).where(LessonProgress.user_id == user.id))
            if done:
                break
            page.wait_for_timeout(200)
            db.session.expire_all()
        assert done
