"""Authoring refuses what it cannot keep, with a message and nothing left behind (issue 19, items 9
and 10): a new lesson with media files, an upload refused after another was stored, a rehearsal
form with dates written without quotes."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.learn.models import Lesson, MediaFile, Step
from tests.learn.test_learn_authoring import _create_lesson

MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200
PNG_HEAD = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def organizer(make_user, login, tree):
    user = make_user(roles={"organizer": "90"})
    login(user)
    return user


def _new_lesson(client, course_id: int, **files):
    return client.post(f"/learn/author/course/{course_id}/lessons/new", content_type="multipart/form-data", data={
        "slug": "bai-video", "title": "Bài video", "kind": "video", "minutes": 3, "competences": "2.3",
        "order": 2, "status": "published", "body": "Xem video", **files})


def _files(app) -> list:
    upload_dir = app.config["UPLOAD_DIR"]
    return sorted(p.name for p in upload_dir.iterdir()) if upload_dir.exists() else []


def test_a_new_lesson_with_a_media_file_is_created(client, app, organizer):
    course_id, _lesson_id = _create_lesson(client, app)
    response = _new_lesson(client, course_id, video=(io.BytesIO(MP4), "bai.mp4"),
                           poster=(io.BytesIO(PNG_HEAD + b"\x00" * 100), "anh.png"))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "bai-video"))
        assert lesson.video.content_type == "video/mp4"
        assert lesson.poster.content_type == "image/png"


def test_a_refused_upload_leaves_no_file_behind(client, app, organizer):
    course_id, _lesson_id = _create_lesson(client, app)
    before = _files(app)
    response = _new_lesson(client, course_id, video=(io.BytesIO(MP4), "bai.mp4"),
                           captions=(io.BytesIO(b"not captions"), "phu-de.vtt"))
    assert response.status_code == 200
    assert "Loại tệp này không được nhận ở đây" in response.get_data(as_text=True)
    assert _files(app) == before  # the video stored before the captions were refused is gone
    with app.app_context():
        assert db.session.scalar(select(func.count(MediaFile.id))) == 0
        assert db.session.scalar(select(func.count(Lesson.id)).where(Lesson.slug == "bai-video")) == 0


def test_a_rehearsal_form_with_unquoted_dates_is_kept_as_text(client, app, organizer):
    _course_id, lesson_id = _create_lesson(client, app)
    client.post(f"/learn/author/lesson/{lesson_id}/steps", data={"title": "Tập"})
    with app.app_context():
        step_id = db.session.scalar(select(Step.id).where(Step.lesson_id == lesson_id))
    rehearsal = """fields:
  - name: ngay_sinh
    label: Ngày sinh
    type: select
    options: [2000-01-31, 2001-02-28]
    expected: 2000-01-31
    hint: Chọn ngày đầu.
"""
    response = client.post(f"/learn/author/step/{step_id}", data={"title": "Tập", "rehearsal": rehearsal})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        field = db.session.get(Step, step_id).rehearsal["fields"][0]
        assert field["options"] == ["2000-01-31", "2001-02-28"]
        assert field["expected"] == "2000-01-31"
