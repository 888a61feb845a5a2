"""The final test of a training measures: options shuffled with per-attempt tokens, the draw fixed
when the attempt starts (a reload shows the same), questions only from the banks and competences
the assignment names, an attempt limit and a waiting time between attempts per assignment."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from app.contests.models import Question, QuestionBank
from app.core.extensions import db
from app.learn.models import Course, Lesson, LessonProgress
from app.training import service as training
from app.training.models import TrainingAssignment, TrainingEnrollment, TrainingTestAttempt
from tests.conftest import PASSWORD

NOW = datetime(2026, 3, 4, 3, 0, tzinfo=UTC)
RIGHT = "Không đưa mã OTP cho ai"


def _bank(slug: str, code: str, n: int, first: str = "") -> None:
    bank = QuestionBank(slug=slug, title=slug)
    db.session.add(bank)
    db.session.flush()
    db.session.add_all(
        Question(
            bank_id=bank.id, key=f"{slug}-{i}", text=f"{first or slug} câu {i}?",
            options=[RIGHT, "Đọc mã cho người gọi", "Gửi mã qua Zalo", "Đăng mã lên mạng"],
            correct=[0], competence_code=code, difficulty=1,
        )
        for i in range(n)
    )


@pytest.fixture
def setup(app, tree, make_user):
    """An online-safety course (competence 4.2), a safety bank, a land-tax bank of 2.3 and a mixed
    bank; one official who finished the lessons; returns a factory of assignments."""
    official = make_user(kind="official", locality="90101", full_name="Cán Bộ Một")
    organizer = make_user(roles={"organizer": "901"})
    with app.app_context():
        course = Course(slug="an-toan", title="An toàn trên mạng", competences=["4.2"])
        course.lessons = [Lesson(slug="l1", title="Bài 1", position=1)]
        db.session.add(course)
        _bank("an-toan", "4.2", 6, "An toàn")
        _bank("thue-dat", "2.3", 6, "Thuế đất")
        _bank("tong-hop", "4.2", 3, "Tổng hợp")
        db.session.commit()
        db.session.add(LessonProgress(user_id=official.id, lesson_id=course.lessons[0].id,
                                      started_at=NOW - timedelta(days=1), completed_at=NOW - timedelta(days=1)))
        db.session.commit()
        course_id = course.id

    def make(**extra) -> int:
        from app.accounts.models import User
        from app.localities.service import get_by_code

        with app.app_context():
            values = {"test_questions": 3, "pass_mark": 60, **extra}
            assignment = training.create_assignment(
                db.session.get(User, organizer.id), title="An toàn", course=db.session.get(Course, course_id),
                locality=get_by_code("901"), due_on=date(2030, 1, 1), target_role="official", **values,
            )
            db.session.commit()
            return assignment.id

    return {"official": official, "organizer": organizer, "make": make}


def _login(client, user) -> None:
    client.post("/auth/logout")
    assert client.post("/auth/login", data={"login": user.phone, "password": PASSWORD}).status_code == 302


def _options(html: str) -> list[tuple[str, dict, str]]:
    """Every option of the page: (question field name, input attributes, text)."""
    out = []
    for attrs, text in re.findall(r'<label class="test-option"[^>]*><input ([^>]*)> <span>([^<]*)</span></label>', html):
        parsed = dict(re.findall(r'(\w+)="([^"]*)"', attrs))
        out.append((parsed["name"], parsed, text))
    return out


def test_options_are_shuffled_with_tokens_that_differ_between_attempts(app, client, setup):
    assignment_id = setup["make"](test_attempts=5)
    _login(client, setup["official"])
    pages = []
    for _ in range(4):
        html = client.get(f"/training/test/{assignment_id}").get_data(as_text=True)
        options = _options(html)
        assert len(options) == 12
        # The right option looks like the others: same attributes but its token.
        shapes = {tuple(sorted((k, v.replace(a["value"], "T")) for k, v in a.items() if k != "value"))
                  for name, a, _t in options for _ in [name]}
        assert len({s for s in shapes if ("type", "radio") in s}) == 3  # one shape per question
        assert all(html.count(a["value"]) == 3 for _n, a, _t in options)  # value, id, label for
        pages.append(options)
        attempt_id = re.search(r'name="attempt" value="(\d+)"', html).group(1)
        client.post(f"/training/test/{assignment_id}", data={"attempt": attempt_id})
    tokens = [{a["value"] for _n, a, _t in options} for options in pages]
    for i, first in enumerate(tokens):
        for second in tokens[i + 1:]:
            assert not first & second
    # Where the right option stands changes between attempts (12 questions over 4 attempts).
    positions = set()
    for options in pages:
        by_question: dict[str, list[str]] = {}
        for name, _a, text in options:
            by_question.setdefault(name, []).append(text)
        positions.update(texts.index(RIGHT) for texts in by_question.values())
    assert len(positions) > 1


def test_a_reload_shows_the_same_draw_until_it_is_submitted(app, client, setup):
    assignment_id = setup["make"](test_attempts=2)
    _login(client, setup["official"])
    first = client.get(f"/training/test/{assignment_id}").get_data(as_text=True)
    with app.app_context():
        db.session.expunge_all()  # as after a restart: only the database remembers
    again = client.get(f"/training/test/{assignment_id}").get_data(as_text=True)
    assert _options(first) == _options(again)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(TrainingTestAttempt.id))) == 1
    # Answering with the right tokens passes; the page's tokens are what the server grades.
    data = {name: a["value"] for name, a, text in _options(first) if text == RIGHT}
    data["attempt"] = re.search(r'name="attempt" value="(\d+)"', first).group(1)
    assert client.post(f"/training/test/{assignment_id}", data=data).status_code == 302
    with app.app_context():
        attempt = db.session.scalar(db.select(TrainingTestAttempt))
        assert (attempt.score, attempt.passed) == (100, True)


def test_questions_come_only_from_the_named_banks_and_competences(app, setup):
    by_course = setup["make"](test_questions=10)
    by_bank = setup["make"](test_questions=10, test_banks=["tong-hop"])
    land = setup["make"](test_questions=10, test_competences=["2.3"], test_banks=["an-toan"])
    with app.app_context():
        def drawn(assignment_id):
            enrollment = db.session.scalar(db.select(TrainingEnrollment).where(
                TrainingEnrollment.assignment_id == assignment_id))
            training.update_progress([enrollment])
            attempt = training.start_test(enrollment, now=NOW)
            return {db.session.get(Question, i).bank.slug for i in attempt.question_ids}, len(attempt.question_ids)

        # The course's competence (4.2): safety questions of any bank, never the land-tax bank.
        assert drawn(by_course) == ({"an-toan", "tong-hop"}, 9)
        assert drawn(by_bank) == ({"tong-hop"}, 3)
        # A bank and a competence that share no question: no test, not a fallback to everything.
        enrollment = db.session.scalar(db.select(TrainingEnrollment).where(TrainingEnrollment.assignment_id == land))
        training.update_progress([enrollment])
        with pytest.raises(training.TrainingError):
            training.start_test(enrollment, now=NOW)


def test_the_attempt_limit_and_the_wait_between_attempts_hold(app, setup):
    assignment_id = setup["make"](test_attempts=2, test_wait_minutes=60)
    with app.app_context():
        enrollment = db.session.scalar(db.select(TrainingEnrollment).where(
            TrainingEnrollment.assignment_id == assignment_id))
        training.update_progress([enrollment])
        with time_machine.travel(NOW, tick=False):
            first = training.start_test(enrollment)
            training.submit_test(first, {})
            assert training.attempts_left(enrollment) == 1
            with pytest.raises(training.TrainingError, match="11:00"):  # 10:00 local + 60 min
                training.start_test(enrollment)
        with time_machine.travel(NOW + timedelta(minutes=61), tick=False):
            second = training.start_test(enrollment)
            assert training.start_test(enrollment) is second  # resumed, not a third
            training.submit_test(second, {})
        with time_machine.travel(NOW + timedelta(days=2), tick=False):
            assert training.attempts_left(enrollment) == 0
            with pytest.raises(training.TrainingError):
                training.start_test(enrollment)
            assert db.session.scalar(db.select(db.func.count(TrainingTestAttempt.id))) == 2


def test_the_assignment_form_sets_banks_competences_attempts_and_wait(app, client, setup):
    _login(client, setup["organizer"])
    page = client.get("/training/assignments/new").get_data(as_text=True)
    assert 'name="test_banks"' in page
    assert 'name="test_attempts"' in page
    base = {"title": "Kiểm tra", "course_id": 1, "locality_code": "901", "target_role": "official",
            "workplace_unit_id": 0, "due_on": "2030-01-01", "test_questions": 5, "pass_mark": 80}
    bad = client.post("/training/assignments/new", data={**base, "test_attempts": 0, "test_wait_minutes": -5,
                                                          "test_banks": ["khong-co"]})
    assert bad.status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(TrainingAssignment.id))) == 0
    done = client.post("/training/assignments/new", data={
        **base, "test_banks": ["an-toan", "tong-hop"], "test_competences": ["4.2"],
        "test_attempts": 2, "test_wait_minutes": 30})
    assert done.status_code == 302
    with app.app_context():
        row = db.session.scalar(db.select(TrainingAssignment))
        assert (row.test_banks, row.test_competences, row.test_attempts, row.test_wait_minutes) == (
            ["an-toan", "tong-hop"], ["4.2"], 2, 30)


def test_my_training_says_how_many_attempts_are_left_and_when_the_next_may_start(app, client, setup):
    assignment_id = setup["make"](test_attempts=2, test_wait_minutes=60)
    with time_machine.travel(NOW, tick=False):
        _login(client, setup["official"])
        assert "/training/test/" in client.get("/training/").get_data(as_text=True)
        page = client.get(f"/training/test/{assignment_id}").get_data(as_text=True)
        # Started: the page offers to continue the same attempt.
        mine = client.get("/training/").get_data(as_text=True)
        assert f"/training/test/{assignment_id}" in mine
        attempt = re.search(r'name="attempt" value="(\d+)"', page).group(1)
        client.post(f"/training/test/{assignment_id}", data={"attempt": attempt})
        mine = client.get("/training/").get_data(as_text=True)
        assert f"/training/test/{assignment_id}" not in mine
        assert "11:00 04/03" in mine  # the next attempt from 10:00 + 60 min, local time
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        page = client.get(f"/training/test/{assignment_id}").get_data(as_text=True)
        attempt = re.search(r'name="attempt" value="(\d+)"', page).group(1)
        client.post(f"/training/test/{assignment_id}", data={"attempt": attempt})
        mine = client.get("/training/").get_data(as_text=True)
        assert f"/training/test/{assignment_id}" not in mine
        assert "11:00 04/03" not in mine
