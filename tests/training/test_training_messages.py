"""Training reminders through the outbox: due within 7 days, then overdue, to the people required
(once per state), and a weekly digest to the managers of their area."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from app.accounts.models import User
from app.core.channels import MemoryAdapter
from app.core.extensions import db
from app.learn.models import Course, Lesson
from app.localities.service import get_by_code
from app.training import service as training

DUE = date(2026, 5, 29)  # a Friday


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam


@pytest.fixture
def assigned(app, tree, make_user):
    organizer = make_user(roles={"organizer": "90"})
    manager = make_user(full_name="Lãnh Đạo Huyện", roles={"manager": "901"}, email="lanhdao@example.vn")
    make_user(full_name="Lãnh Đạo Huyện Hai", roles={"manager": "902"})
    late = make_user(kind="official", locality="90101", full_name="Cán Bộ Chậm")
    done = make_user(kind="official", locality="90101", full_name="Cán Bộ Xong")
    with app.app_context():
        course = Course(slug="cds", title="Chính quyền số", competences=["2.3"])
        course.lessons = [Lesson(slug="l1", title="Bài 1", status="published")]
        db.session.add(course)
        db.session.flush()
        training.create_assignment(db.session.get(User, organizer.id), title="Chuyển đổi số", course=course,
                                   locality=get_by_code("901"), due_on=DUE, target_role="official")
        db.session.commit()
    return {"manager": manager, "late": late, "done": done}


def _send(runner, day: date) -> None:
    with time_machine.travel(_at(day), tick=False):
        result = runner.invoke(args=["notify", "send"])
    assert result.exit_code == 0, result.output


def _to(address: str) -> list[str]:
    return [m.kind for m in MemoryAdapter.sent if m.address == address]


def test_reminders_when_due_within_7_days_then_when_overdue_each_once(app, runner, assigned):
    late, done = assigned["late"], assigned["done"]
    _send(runner, date(2026, 5, 21))  # 8 days before: nothing yet
    assert _to(late.phone) == []
    _send(runner, date(2026, 5, 22))
    _send(runner, date(2026, 5, 23))
    assert _to(late.phone) == ["training_due"]
    due = next(m for m in MemoryAdapter.sent if m.address == late.phone)
    assert "Chuyển đổi số" in due.body
    assert "/training/" in due.body
    with app.app_context():  # one of them completes the course
        from app.learn.models import LessonProgress

        lesson = db.session.scalar(db.select(Lesson))
        db.session.add(LessonProgress(user_id=done.id, lesson_id=lesson.id, completed_at=_at(DUE)))
        db.session.commit()
    _send(runner, date(2026, 5, 30))
    _send(runner, date(2026, 5, 31))
    assert _to(late.phone) == ["training_due", "training_overdue"]
    assert _to(done.phone) == ["training_due"]


def test_managers_get_a_weekly_digest_of_their_own_area(runner, assigned, make_user):
    _send(runner, date(2026, 5, 25))  # Monday
    _send(runner, date(2026, 5, 27))  # same ISO week: no second digest
    digests = [m for m in MemoryAdapter.sent if m.kind == "training_digest"]
    assert [m.address for m in digests] == ["lanhdao@example.vn"]  # not the manager of district 902
    assert "2" in digests[0].subject
    _send(runner, date(2026, 6, 1))  # next week: the people are overdue now
    assert len([m for m in MemoryAdapter.sent if m.kind == "training_digest"]) == 2
