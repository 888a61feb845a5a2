"""Required training: target groups, compliance states around the due date, final tests, reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from app.accounts.models import User
from app.contests.models import Question, QuestionBank
from app.core.extensions import db
from app.learn.models import Course, Lesson, LessonProgress
from app.training import service as training
from app.training.models import Certificate, TrainingEnrollment

DUE = date(2025, 5, 31)


@pytest.fixture
def world(ctx, tree, make_user):
    course = Course(slug="cds", title="Chính quyền số cho cán bộ", competences=["2.3"])
    course.lessons = [Lesson(slug=f"l{n}", title=f"Bài {n}", position=n) for n in range(2)]
    db.session.add(course)
    organizer = make_user(roles={"organizer": "901"})
    inside = make_user(kind="official", locality="90101", full_name="Cán Bộ Một", position="Chủ tịch")
    citizen = make_user(kind="citizen", locality="90101")
    outside = make_user(kind="official", locality="90201")
    db.session.commit()
    return {
        "course": course,
        "organizer": db.session.get(User, organizer.id),
        "inside": inside,
        "citizen": citizen,
        "outside": outside,
    }


def _assign(world, **extra):
    from app.localities.service import get_by_code

    return training.create_assignment(
        world["organizer"],
        title="Chuyển đổi số",
        course=world["course"],
        locality=get_by_code("901"),
        due_on=DUE,
        target_role="official",
        **extra,
    )


def _choose(attempt, index: int) -> dict:
    """The form answers choosing the bank's option ``index`` of every question of a test attempt
    (what the page sends: the attempt's option tokens)."""
    from app.contests.banks import shown_tokens

    return {item["id"]: shown_tokens(item, [index])[0] for item in attempt.draw}


def _complete(user_id, lesson, at):
    row = db.session.scalar(
        db.select(LessonProgress).where(
            LessonProgress.user_id == user_id, LessonProgress.lesson_id == lesson.id
        )
    )
    if row is None:
        row = LessonProgress(user_id=user_id, lesson_id=lesson.id, started_at=at)
        db.session.add(row)
    row.completed_at = at
    db.session.flush()


def test_target_group_is_officials_of_the_subtree(world):
    assignment = _assign(world)
    db.session.commit()
    enrolled = set(db.session.scalars(db.select(TrainingEnrollment.user_id)))
    assert enrolled == {world["inside"].id}
    assert assignment.locality.code == "901"


def test_assigning_outside_ones_area_is_refused(world):
    from app.localities.service import get_by_code

    with pytest.raises(training.TrainingError):
        training.create_assignment(
            world["organizer"], title="x", course=world["course"], locality=get_by_code("902"), due_on=DUE
        )


def test_compliance_states_around_the_due_date(world):
    assignment = _assign(world)
    db.session.commit()
    lessons = world["course"].lessons
    with time_machine.travel(datetime(2025, 5, 1, 3, tzinfo=UTC), tick=False):
        assert [r.state for r in training.compliance(assignment, date.today())] == ["not_started"]
        db.session.add(LessonProgress(user_id=world["inside"].id, lesson_id=lessons[0].id))
        db.session.flush()
        assert [r.state for r in training.compliance(assignment, date.today())] == ["in_progress"]
    with time_machine.travel(datetime(2025, 5, 31, 16, tzinfo=UTC), tick=False):  # 23:00 on the due date
        assert [r.state for r in training.compliance(assignment, date(2025, 5, 31))] == ["in_progress"]
    with time_machine.travel(datetime(2025, 6, 1, 3, tzinfo=UTC), tick=False):
        assert [r.state for r in training.compliance(assignment, date(2025, 6, 1))] == ["overdue"]
        reminders = training.reminders(world["organizer"], date(2025, 6, 1))
        assert [(e.user_id, s) for e, s in reminders] == [(world["inside"].id, "overdue")]
        for lesson in lessons:
            _complete(world["inside"].id, lesson, datetime(2025, 6, 1, 3, tzinfo=UTC))
        rows = training.compliance(assignment, date(2025, 6, 1))
        assert [r.state for r in rows] == ["completed"]  # late, but completed
        assert training.reminders(world["organizer"], date(2025, 6, 1)) == []
        assert db.session.scalar(db.select(db.func.count()).select_from(Certificate)) == 1


def test_reminders_list_due_within_seven_days_only(world):
    _assign(world)
    db.session.commit()
    assert training.reminders(world["organizer"], date(2025, 5, 23)) == []
    assert len(training.reminders(world["organizer"], date(2025, 5, 24))) == 1


def test_rates_per_unit(world):
    assignment = _assign(world, target_position=None)
    db.session.commit()
    rows = training.compliance(assignment, date(2025, 5, 1))
    summary = training.rates(rows, lambda r: "all")
    assert summary == [
        {
            "key": "all",
            "label": "all",
            "total": 1,
            "not_started": 1,
            "in_progress": 0,
            "completed": 0,
            "overdue": 0,
            "rate": 0.0,
        }
    ]


def test_final_test_with_pass_mark_completes_the_training(world):
    bank = QuestionBank(slug="b", title="B")
    db.session.add(bank)
    db.session.flush()
    questions = [
        Question(
            bank_id=bank.id,
            key=f"k{n}",
            text=f"Câu {n}",
            options=["a", "b"],
            correct=[0],
            competence_code="2.3",
            difficulty=1,
        )
        for n in range(4)
    ]
    db.session.add_all(questions)
    assignment = _assign(world, test_questions=4, pass_mark=75)
    db.session.commit()
    enrollment = db.session.scalar(db.select(TrainingEnrollment))
    with pytest.raises(training.TrainingError):
        training.start_test(enrollment)  # lessons first
    for lesson in world["course"].lessons:
        _complete(world["inside"].id, lesson, datetime(2025, 5, 2, tzinfo=UTC))
    training.update_progress([enrollment])
    assert enrollment.course_completed_at is not None
    assert enrollment.completed_at is None
    attempt = training.start_test(enrollment)
    answers = _choose(attempt, 0)
    answers[attempt.question_ids[0]] = _choose(attempt, 1)[attempt.question_ids[0]]
    answers[attempt.question_ids[1]] = None
    training.submit_test(attempt, answers)
    assert (attempt.score, attempt.passed) == (50, False)
    assert enrollment.completed_at is None
    second = training.start_test(enrollment)
    training.submit_test(second, _choose(second, 0))
    assert (second.score, second.passed) == (100, True)
    assert enrollment.completed_at is not None
    assert training.compliance(assignment, date(2025, 6, 9))[0].state == "completed"
