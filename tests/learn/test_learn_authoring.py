"""Organizers write courses, lessons and steps in the browser; Markdown is sanitized when shown."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.learn.models import Course, Lesson, Step
from tests.learn.conftest import COURSES

REHEARSAL = """intro: Tập thôi
fields:
  - name: cccd
    label: Số định danh
    type: digits
    length: 12
    hint: Đúng 12 số.
"""


@pytest.fixture
def organizer(make_user, login, tree):
    user = make_user(roles={"organizer": "90"})
    login(user)
    return user


def _create_lesson(client, app) -> tuple[int, int]:
    response = client.post("/learn/author/new", data={
        "slug": "khoa-moi", "title": "Khóa mới", "summary": "Tóm tắt", "audience": "citizen",
        "competences": "2.3", "order": 5, "status": "published"})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        course_id = db.session.scalar(select(Course.id).where(Course.slug == "khoa-moi"))
    response = client.post(f"/learn/author/course/{course_id}/lessons/new", data={
        "slug": "bai-moi", "title": "Bài mới", "kind": "steps", "minutes": 3, "competences": "2.3, 4.2",
        "order": 1, "status": "published", "body": "Giới thiệu"})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        lesson_id = db.session.scalar(select(Lesson.id).where(Lesson.slug == "bai-moi"))
    return course_id, lesson_id


def test_organizer_creates_a_lesson_with_steps_reorders_and_publishes(client, app, organizer):
    _course_id, lesson_id = _create_lesson(client, app)
    for title in ("Bước một", "Bước hai"):
        response = client.post(f"/learn/author/lesson/{lesson_id}/steps", data={"title": title})
        assert response.status_code == 302
    with app.app_context():
        first, second = db.session.get(Lesson, lesson_id).steps
        first_id, second_id = first.id, second.id
    png = (COURSES / "an-toan-va-phan-anh" / "media" / "ld-otp.png").read_bytes()
    response = client.post(f"/learn/author/step/{second_id}", content_type="multipart/form-data", data={
        "title": "Bước hai", "body": "Nhập **số**", "image": (io.BytesIO(png), "anh.png"),
        "rehearsal": REHEARSAL})
    assert response.status_code == 302, response.get_data(as_text=True)
    client.post(f"/learn/author/step/{second_id}/move", data={"direction": "up"})
    with app.app_context():
        lesson = db.session.get(Lesson, lesson_id)
        assert [s.id for s in lesson.steps] == [second_id, first_id]
        assert lesson.steps[0].image.content_type == "image/png"
        assert lesson.steps[0].rehearsal["fields"][0]["length"] == 12
    html = client.get("/learn/khoa-moi/bai-moi/step/1").get_data(as_text=True)
    assert "<strong>số</strong>" in html
    assert 'name="f_cccd"' in html
    assert client.post("/learn/khoa-moi/bai-moi/step/1", data={"f_cccd": "123"}).status_code == 422


def test_markdown_preview_and_script_is_never_rendered(client, app, organizer):
    _course_id, lesson_id = _create_lesson(client, app)
    client.post(f"/learn/author/lesson/{lesson_id}/steps", data={"title": "Bước độc"})
    with app.app_context():
        step_id = db.session.scalar(select(Step.id).where(Step.lesson_id == lesson_id))
    evil = ('Xin chào <script>alert("x")</script> <img src=x onerror="alert(1)"> '
            '[bấm](javascript:alert(2)) *nghiêng*')
    preview = client.post(f"/learn/author/step/{step_id}",
                          data={"title": "Bước độc", "body": evil, "preview": "1"})
    html = preview.get_data(as_text=True)
    assert 'id="preview"' in html
    assert "<em>nghiêng</em>" in html
    saved = client.post(f"/learn/author/step/{step_id}", data={"title": "Bước độc", "body": evil})
    assert saved.status_code == 302
    page = client.get("/learn/khoa-moi/bai-moi/step/1").get_data(as_text=True)
    body = page[page.index('class="step-text"'):]
    assert "<script>alert" not in body
    assert "onerror" not in body
    assert "javascript:" not in body


def test_bad_check_or_rehearsal_definitions_are_refused_with_a_message(client, app, organizer):
    _course_id, lesson_id = _create_lesson(client, app)
    client.post(f"/learn/author/lesson/{lesson_id}/steps", data={"title": "Câu hỏi"})
    with app.app_context():
        step_id = db.session.scalar(select(Step.id).where(Step.lesson_id == lesson_id))
    response = client.post(f"/learn/author/step/{step_id}", data={
        "title": "Câu hỏi", "check_question": "Chọn gì?", "check_options": "Một", "check_answer": 3})
    assert response.status_code == 200
    assert "ít nhất hai đáp án" in response.get_data(as_text=True)
    response = client.post(f"/learn/author/step/{step_id}", data={"title": "Câu hỏi",
                                                                   "rehearsal": "fields: [{name: X}]"})
    assert "ô luyện tập 1" in response.get_data(as_text=True)
    response = client.post(f"/learn/author/step/{step_id}", data={
        "title": "Câu hỏi", "check_question": "Chọn gì?", "check_options": "Một\nHai", "check_answer": 2})
    assert response.status_code == 302
    with app.app_context():
        expected = {"question": "Chọn gì?", "options": ["Một", "Hai"], "answer": 2}
        assert db.session.get(Step, step_id).check == expected


def test_unknown_competence_codes_and_duplicate_slugs_are_refused(client, app, organizer, shipped):
    response = client.post("/learn/author/new", data={
        "slug": "tai-khoan-dich-vu-cong", "title": "T", "audience": "all", "competences": "2.3",
        "status": "draft"})
    assert "Một khóa học khác đã dùng tên ngắn này" in response.get_data(as_text=True)
    response = client.post("/learn/author/new", data={
        "slug": "khac", "title": "T", "audience": "all", "competences": "7.7", "status": "draft"})
    assert "Mã năng lực không có trong khung: 7.7" in response.get_data(as_text=True)


def test_only_organizers_author(client, make_user, login, tree):
    login(make_user(roles={"helper": "9010101"}))
    assert client.get("/learn/author/").status_code == 403
    assert client.post("/learn/author/new", data={"slug": "x"}).status_code == 403


def test_deleting_a_step_asks_first_and_says_what_will_change(client, app, organizer):
    """Issue 15, item 6: the ✕ opens a confirmation naming the step, its lesson's remaining steps
    and how many learners did it; only the confirmation's POST deletes."""
    from app.learn.models import StepProgress

    _course_id, lesson_id = _create_lesson(client, app)
    for title in ("Bước một", "Bước hai"):
        client.post(f"/learn/author/lesson/{lesson_id}/steps", data={"title": title})
    with app.app_context():
        step = db.session.get(Lesson, lesson_id).steps[0]
        step_id = step.id
        db.session.add(StepProgress(user_id=organizer.id, lesson_id=lesson_id, step_key=step.key))
        db.session.commit()
    lesson_page = client.get(f"/learn/author/lesson/{lesson_id}").get_data(as_text=True)
    assert f'href="/learn/author/step/{step_id}/delete"' in lesson_page
    page = client.get(f"/learn/author/step/{step_id}/delete")
    assert page.status_code == 200
    impact = page.get_data(as_text=True).split('data-testid="impact"')[1].split("</div>")[0]
    assert "Bước một" in page.get_data(as_text=True)
    assert "Bài mới" in impact
    assert ">1 " in impact or " 1 " in impact  # one step left, one learner did it
    with app.app_context():
        assert db.session.get(Step, step_id) is not None
    assert client.post(f"/learn/author/step/{step_id}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(Step, step_id) is None
