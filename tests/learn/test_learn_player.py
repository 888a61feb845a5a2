"""Catalogue, step player, rehearsal, checks, progress, resume, low-data mode, page weight."""
from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from app.competency.models import Evidence
from app.core.extensions import db
from app.learn.models import LessonProgress, StepProgress
from tests.learn.conftest import check_answer

LESSON = "/learn/tai-khoan-dich-vu-cong/tao-tai-khoan-dvc"
STATIC = Path(__file__).resolve().parents[2] / "app" / "core" / "static"
RIGHT = {"f_so_dinh_danh": "0700 8500 1234", "f_ho_ten": "Nguyễn Văn An", "f_dien_thoai": "0912 345 678"}


def test_search_ignores_vietnamese_accents(client, shipped):
    html = client.get("/learn/?q=dang+ky+khai+sinh").get_data(as_text=True)
    assert "Đăng ký khai sinh" in html
    assert "Nhận biết lừa đảo" not in html
    html = client.get("/learn/?q=LUA+DAO").get_data(as_text=True)
    assert "Nhận biết lừa đảo" in html
    assert "lien-thong-khai-sinh" not in html


def test_catalogue_filters_by_audience_and_topic(client, shipped):
    officials = client.get("/learn/?audience=official").get_data(as_text=True)
    assert "tai-khoan-dich-vu-cong" in officials
    assert "thu-tuc-cho-tre-moi-sinh" not in officials  # a citizens' course
    safety = client.get("/learn/?topic=4.2").get_data(as_text=True)
    assert "an-toan-va-phan-anh" in safety
    assert "thu-tuc-cho-tre-moi-sinh" not in safety


def test_anyone_reads_a_lesson_step_by_step_without_javascript(client, shipped):
    html = client.get(f"{LESSON}/step/1").get_data(as_text=True)
    assert "1 / 6" in html or "1 of 6" in html or "Bước 1" in html
    assert 'id="next"' in html
    # the step is a plain form; the only scripts are the app's own offline helpers (service worker
    # registration, offline grading), loaded deferred from /static: nothing inline, nothing needed
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts == ['<script src="/static/js/pwa.js" defer>', '<script src="/static/js/learn-offline.js" defer>']
    assert "<script>" not in html
    response = client.post(f"{LESSON}/step/1")
    assert response.status_code == 302
    assert response.location.endswith(f"{LESSON}/step/2")


def test_rehearsal_gives_a_hint_per_mistake_then_counts_the_step_when_right(
        client, app, shipped, make_user, login):
    user = make_user()
    login(user)
    wrong = dict(RIGHT, f_so_dinh_danh="12345")
    response = client.post(f"{LESSON}/step/4", data=wrong)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "đúng 12 chữ số" in html
    assert 'id="f_so_dinh_danh-error"' in html
    assert 'id="f_ho_ten-error"' not in html  # only the wrong field gets a hint
    with app.app_context():
        assert db.session.scalar(select(StepProgress).where(StepProgress.step_key == "tap-dien-form")) is None
    response = client.post(f"{LESSON}/step/4", data=RIGHT)
    assert response.status_code == 302
    assert response.location.endswith("/step/5")
    with app.app_context():
        row = db.session.scalar(select(StepProgress).where(StepProgress.step_key == "tap-dien-form"))
        assert row.user_id == user.id
        assert row.assisted_by_id is None


def test_check_without_a_choice_asks_for_one_and_records_nothing(client, app, shipped, make_user, login):
    """Issue 18: "Kiểm tra" with no option chosen said "Chưa đúng" and counted a wrong answer."""
    login(make_user())
    client.post("/lang", data={"lang": "vi"})
    response = client.post(f"{LESSON}/step/5", data={})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Hãy chọn một đáp án" in html
    assert "Chưa đúng" not in html
    with app.app_context():
        assert db.session.scalar(select(Evidence).where(Evidence.source == "lesson_check")) is None


def test_check_question_must_be_answered_right_and_gives_evidence(client, app, shipped, make_user, login):
    user = make_user()
    login(user)
    assert client.post(f"{LESSON}/step/5", data=check_answer(client, app, f"{LESSON}/step/5", 1)).status_code == 422
    with app.app_context():
        evidence = db.session.scalar(select(Evidence).where(Evidence.source == "lesson_check"))
        assert evidence.competence_code == "4.2"
        assert evidence.success is False
    assert client.post(f"{LESSON}/step/5", data=check_answer(client, app, f"{LESSON}/step/5", 2)).status_code == 302
    with app.app_context():
        evidence = db.session.scalar(select(Evidence).where(Evidence.source == "lesson_check"))
        assert evidence.success is True


def _finish(client, app, skip=()):
    for number, data in ((1, {}), (2, {}), (3, {}), (4, RIGHT), (5, "check"), (6, {})):
        if data == "check":
            data = check_answer(client, app, f"{LESSON}/step/{number}", 2)
        if number not in skip:
            assert client.post(f"{LESSON}/step/{number}", data=data).status_code == 302


def test_lesson_completes_when_every_step_is_done_and_records_lesson_evidence(
        client, app, shipped, make_user, login):
    user = make_user()
    login(user)
    _finish(client, app, skip=(3,))
    with app.app_context():
        progress = db.session.scalar(select(LessonProgress).where(LessonProgress.user_id == user.id))
        assert progress.completed_at is None
    assert "step/3" in client.get(f"{LESSON}/done").get_data(as_text=True)
    client.post(f"{LESSON}/step/3")
    with app.app_context():
        progress = db.session.scalar(select(LessonProgress).where(LessonProgress.user_id == user.id))
        assert progress.completed_at is not None
        codes = set(db.session.scalars(select(Evidence.competence_code).where(Evidence.source == "lesson")))
        assert codes == {"2.3", "2.6"}
    assert 'id="lesson-complete"' in client.get(f"{LESSON}/done").get_data(as_text=True)
    html = client.get("/learn/me").get_data(as_text=True)
    assert "my-tao-tai-khoan-dvc" in html
    assert "<progress" in html


def test_resume_points_at_the_first_step_not_done(client, shipped, make_user, login):
    login(make_user())
    client.post(f"{LESSON}/step/1")
    client.post(f"{LESSON}/step/2")
    html = client.get(f"{LESSON}/").get_data(as_text=True)
    assert f'href="{LESSON}/step/3"' in html


def test_anonymous_progress_is_not_saved(client, app, shipped):
    client.post(f"{LESSON}/step/1")
    with app.app_context():
        assert db.session.scalar(select(StepProgress)) is None


def test_video_lesson_has_native_player_captions_transcript_and_completes(
        client, app, shipped, make_user, login):
    html = client.get("/learn/thu-tuc-cho-tre-moi-sinh/tra-cuu-ho-so/").get_data(as_text=True)
    assert "<video" in html
    assert "controls" in html
    assert '<track kind="captions" srclang="vi"' in html
    assert 'id="transcript"' in html
    assert "Tra cứu" in html
    user = make_user()
    login(user)
    client.post("/learn/thu-tuc-cho-tre-moi-sinh/tra-cuu-ho-so/watched", data={"played": "25", "duration": "30"})
    with app.app_context():
        assert db.session.scalar(select(LessonProgress.completed_at).where(LessonProgress.user_id == user.id))


def test_a_video_lesson_is_not_completed_by_a_button(client, app, shipped, make_user, login):
    """Issue 18: "Tôi đã xem xong" completed a video lesson without watching it."""
    user = make_user()
    login(user)
    video = "/learn/thu-tuc-cho-tre-moi-sinh/tra-cuu-ho-so/watched"
    assert client.post(video).status_code == 302
    assert client.post(video, data={"played": "5", "duration": "30"}).status_code == 302  # skipped through
    assert client.post(video, data={"played": "500", "duration": "30"}).status_code == 302  # impossible
    with app.app_context():
        assert db.session.scalar(select(LessonProgress).where(LessonProgress.user_id == user.id)) is None
    client.post(video, data={"played": "24", "duration": "30"})  # 80 % played
    with app.app_context():
        assert db.session.scalar(select(LessonProgress.completed_at).where(LessonProgress.user_id == user.id))


def test_answering_a_video_lessons_question_right_completes_it(client, app, shipped, make_user, login):
    user = make_user()
    login(user)
    lesson = "/learn/tai-khoan-dich-vu-cong/dang-nhap-bang-vneid"
    assert client.post(f"{lesson}/watched").location.endswith("/step/1")  # on to the question, not done
    with app.app_context():
        assert db.session.scalar(select(StepProgress).where(StepProgress.user_id == user.id)) is None
    assert client.post(f"{lesson}/step/1", data=check_answer(client, app, f"{lesson}/step/1", 1)).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(LessonProgress.completed_at).where(LessonProgress.user_id == user.id))


def test_low_data_mode_hides_videos_and_loads_images_only_when_tapped(client, shipped):
    client.set_cookie("low_data", "1")
    html = client.get(f"{LESSON}/step/1").get_data(as_text=True)
    assert "<img" not in html
    assert 'id="show-image"' in html
    assert "<img" in client.get(f"{LESSON}/step/1?show=image").get_data(as_text=True)
    html = client.get("/learn/thu-tuc-cho-tre-moi-sinh/tra-cuu-ho-so/").get_data(as_text=True)
    assert "<video" not in html
    assert 'id="show-video"' in html
    assert 'id="transcript"' in html


def test_step_page_weighs_under_50_kb_without_its_image(client, shipped):
    html = client.get(f"{LESSON}/step/4").get_data()
    css = sum((STATIC / "css" / name).stat().st_size for name in ("app.css", "learn.css"))
    js = sum(p.stat().st_size for p in (STATIC / "js").glob("learn*.js"))
    assert len(html) + css + js < 50 * 1024


def test_unknown_or_draft_lessons_are_404_for_learners(client, shipped, app):
    assert client.get("/learn/khong-co/").status_code == 404
    assert client.get(f"{LESSON}/step/99").status_code == 404
    with app.app_context():
        from app.learn.models import Lesson

        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "tao-tai-khoan-dvc"))
        lesson.status = "draft"
        db.session.commit()
    assert client.get(f"{LESSON}/step/1").status_code == 404
