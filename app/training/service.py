"""Required training: assignments to a target group, progress, final tests and compliance.

Compliance rule (docs/competency.md, "Compliance"), for one person and one assignment on a day:

- **completed**: every published lesson of the course is completed (and, when the assignment has
  a final test, an attempt scored at least the pass mark); a late completion is still completed.
- **overdue**: not completed and the due date has passed (the due date itself is still on time).
- **in progress**: not completed, not overdue, and at least one lesson of the course started or a
  test attempted.
- **not started**: none of the above.

A unit's or locality's rate is completed people / people required, over the enrollments of the
people whose workplace unit / home unit it is (subtree for localities).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, insert, select

from app.accounts.models import RoleGrant, User, WorkplaceUnit
from app.accounts.scope import in_scope, scope_filter
from app.core.extensions import db
from app.core.text import collation_key
from app.core.types import utcnow
from app.learn.models import Course, Lesson, LessonProgress
from app.localities.models import Locality
from app.localities.service import subtree_clause
from app.training.models import TrainingAssignment, TrainingEnrollment, TrainingTestAttempt

STATES = ("not_started", "in_progress", "completed", "overdue")
ASSIGNERS = ("organizer", "manager")
REMINDER_DAYS = 7


class TrainingError(ValueError):
    pass


def compliance_state(enrollment: TrainingEnrollment, due_on: date, today: date) -> str:
    """The person's state for one assignment on ``today`` (the rule in the module docstring)."""
    if enrollment.completed_at is not None:
        return "completed"
    if today > due_on:
        return "overdue"
    if enrollment.started_at is not None:
        return "in_progress"
    return "not_started"


def target_query(assignment: TrainingAssignment):
    """SELECT of the ids of the people in the assignment's target group (SQL, on the path index)."""
    query = (
        select(User.id)
        .join(Locality, Locality.id == User.locality_id)
        .where(subtree_clause(Locality.path, assignment.locality.path), User.active)
    )
    if assignment.target_role in ("citizen", "official"):
        query = query.where(User.kind == assignment.target_role)
    elif assignment.target_role:
        query = query.where(
            exists().where(RoleGrant.user_id == User.id, RoleGrant.role == assignment.target_role)
        )
    if assignment.target_position:
        query = query.where(User.position == assignment.target_position)
    if assignment.workplace_unit_id:
        query = query.where(User.workplace_unit_id == assignment.workplace_unit_id)
    return query


def sync_enrollments(assignment: TrainingAssignment) -> int:
    """Enroll the target group's members who are not enrolled yet; returns how many were added."""
    enrolled = select(TrainingEnrollment.user_id).where(TrainingEnrollment.assignment_id == assignment.id)
    new_ids = list(db.session.scalars(target_query(assignment).where(User.id.not_in(enrolled))))
    if new_ids:
        db.session.execute(
            insert(TrainingEnrollment), [{"assignment_id": assignment.id, "user_id": uid} for uid in new_ids]
        )
    return len(new_ids)


def create_assignment(
    actor: User,
    *,
    title: str,
    course: Course,
    locality: Locality,
    due_on: date,
    target_role: str | None = None,
    target_position: str | None = None,
    workplace_unit: WorkplaceUnit | None = None,
    test_questions: int = 0,
    pass_mark: int | None = None,
    test_banks: list[str] | None = None,
    test_competences: list[str] | None = None,
    test_attempts: int = 3,
    test_wait_minutes: int = 0,
) -> TrainingAssignment:
    """Assign ``course`` to a target group inside the actor's area and enroll its members."""
    if not in_scope(actor, ASSIGNERS, locality):
        raise TrainingError(_("You can only assign training inside your own area."))
    if workplace_unit is not None and not in_scope(actor, ASSIGNERS, workplace_unit.locality):
        raise TrainingError(_("You can only assign training inside your own area."))
    if test_questions and not pass_mark:
        raise TrainingError(_("A final test needs a pass mark."))
    if not 1 <= test_attempts <= 20:
        raise TrainingError(_("Attempts allowed must be between 1 and 20."))
    if not 0 <= test_wait_minutes <= 10080:
        raise TrainingError(_("The waiting time must be between 0 and 10080 minutes (a week)."))
    assignment = TrainingAssignment(
        title=title,
        course_id=course.id,
        locality=locality,
        due_on=due_on,
        target_role=target_role or None,
        target_position=target_position or None,
        workplace_unit=workplace_unit,
        test_questions=test_questions or 0,
        pass_mark=pass_mark if test_questions else None,
        test_banks=sorted(set(test_banks or [])),
        test_competences=sorted(set(test_competences or [])),
        test_attempts=test_attempts,
        test_wait_minutes=test_wait_minutes,
        created_by_id=actor.id,
    )
    db.session.add(assignment)
    db.session.flush()
    sync_enrollments(assignment)
    return assignment


def assignments_in_scope(actor: User):
    """Assignments whose target locality lies in the actor's area, newest first."""
    return db.session.scalars(
        select(TrainingAssignment)
        .join(Locality, Locality.id == TrainingAssignment.locality_id)
        .where(scope_filter(actor, ASSIGNERS, Locality.path))
        .order_by(TrainingAssignment.created_at.desc())
    ).all()


def update_progress(enrollments: list[TrainingEnrollment]) -> None:
    """Bring started/completed timestamps up to date from lesson progress (caller commits)."""
    from app.training import certificates

    open_ones = [e for e in enrollments if e.completed_at is None]
    by_course: dict[int, list[TrainingEnrollment]] = defaultdict(list)
    for e in open_ones:
        by_course[e.assignment.course_id].append(e)
    for course_id, items in by_course.items():
        lesson_ids = list(
            db.session.scalars(
                select(Lesson.id).where(Lesson.course_id == course_id, Lesson.status == "published")
            )
        )
        if not lesson_ids:
            continue
        stats = {
            row[0]: row[1:]
            for row in db.session.execute(
                select(
                    LessonProgress.user_id,
                    func.min(LessonProgress.started_at),
                    func.count(LessonProgress.completed_at),
                    func.max(LessonProgress.completed_at),
                )
                .where(
                    LessonProgress.lesson_id.in_(lesson_ids),
                    LessonProgress.user_id.in_([e.user_id for e in items]),
                )
                .group_by(LessonProgress.user_id)
            )
        }
        for e in items:
            started, done, last = stats.get(e.user_id, (None, 0, None))
            if started is not None and e.started_at is None:
                e.started_at = started
            if done >= len(lesson_ids) and e.course_completed_at is None:
                e.course_completed_at = last
            _maybe_complete(e)
            if e.completed_at is not None:
                certificates.issue_certificate(e)


def _maybe_complete(e: TrainingEnrollment) -> None:
    if e.course_completed_at is None:
        return
    if e.assignment.has_test:
        if e.test_passed_at is not None:
            e.completed_at = max(e.course_completed_at, e.test_passed_at)
    else:
        e.completed_at = e.course_completed_at


@dataclass
class Row:
    enrollment: TrainingEnrollment
    state: str


def compliance(assignment: TrainingAssignment, today: date) -> list[Row]:
    """Every enrolled person with their state, by name."""
    enrollments = db.session.scalars(
        select(TrainingEnrollment)
        .join(User, User.id == TrainingEnrollment.user_id)
        .where(TrainingEnrollment.assignment_id == assignment.id)
        .order_by(User.search_name)
    ).all()
    update_progress(list(enrollments))
    return [Row(e, compliance_state(e, assignment.due_on, today)) for e in enrollments]


def rates(rows: list[Row], key, label=None) -> list[dict]:
    """Counts per state and the completion rate grouped by ``key(row)`` (a unit's or locality's
    id or code: never by name, since names repeat: "Ấp 1" is in many communes), each group shown
    as ``label(row)`` (default: the key); groups in Vietnamese order of their labels."""
    groups: dict[Any, Counter] = defaultdict(Counter)
    labels: dict[Any, str] = {}
    for row in rows:
        group = key(row)
        groups[group][row.state] += 1
        labels.setdefault(group, label(row) if label else group)
    out = []
    for group, counts in sorted(groups.items(), key=lambda item: collation_key(str(labels[item[0]]))):
        total = sum(counts.values())
        out.append(
            {
                "key": group,
                "label": labels[group],
                "total": total,
                **{s: counts[s] for s in STATES},
                "rate": round(100.0 * counts["completed"] / total, 1) if total else 0.0,
            }
        )
    return out


def reminders(actor: User, today: date) -> list[tuple[TrainingEnrollment, str]]:
    """Unfinished enrollments in the actor's area that are overdue or due within 7 days."""
    horizon = today + timedelta(days=REMINDER_DAYS)
    enrollments = db.session.scalars(
        select(TrainingEnrollment)
        .join(TrainingAssignment)
        .join(User, User.id == TrainingEnrollment.user_id)
        .join(Locality, Locality.id == User.locality_id)
        .where(
            TrainingEnrollment.completed_at.is_(None),
            TrainingAssignment.due_on <= horizon,
            scope_filter(actor, ASSIGNERS, Locality.path),
        )
        .order_by(TrainingAssignment.due_on, User.search_name)
    ).all()
    update_progress(list(enrollments))
    return [
        (e, compliance_state(e, e.assignment.due_on, today)) for e in enrollments if e.completed_at is None
    ]


def my_assignments(user: User, today: date) -> list[Row]:
    """What the person must do, soonest due first (new assignments are picked up on the way)."""
    for assignment in db.session.scalars(
        select(TrainingAssignment).where(TrainingAssignment.due_on >= today)
    ):
        if db.session.scalar(target_query(assignment).where(User.id == user.id)) and not db.session.scalar(
            select(TrainingEnrollment.id).where(
                TrainingEnrollment.assignment_id == assignment.id, TrainingEnrollment.user_id == user.id
            )
        ):
            db.session.add(TrainingEnrollment(assignment_id=assignment.id, user_id=user.id))
    db.session.flush()
    enrollments = db.session.scalars(
        select(TrainingEnrollment)
        .join(TrainingAssignment)
        .where(TrainingEnrollment.user_id == user.id)
        .order_by(TrainingAssignment.due_on)
    ).all()
    update_progress(list(enrollments))
    return [Row(e, compliance_state(e, e.assignment.due_on, today)) for e in enrollments]


# --- the final test --------------------------------------------------------------------------------


def _test_pool(assignment: TrainingAssignment) -> list:
    """The questions a final test may draw: active, single-answer, from the banks the assignment
    names (any bank when it names none) and of the competences it names (the course's and its
    lessons' when it names none). Never anything else: no fallback to the whole bank."""
    from app.contests.models import Question, QuestionBank

    codes = set(assignment.test_competences or [])
    if not codes:
        course = assignment.course
        codes = set(course.competences or [])
        for lesson in course.lessons:
            codes.update(lesson.competences or [])
    query = select(Question).where(Question.active)
    if assignment.test_banks:
        query = query.join(QuestionBank, QuestionBank.id == Question.bank_id).where(
            QuestionBank.slug.in_(list(assignment.test_banks))
        )
    if codes:
        query = query.where(Question.competence_code.in_(sorted(codes)))
    return [q for q in db.session.scalars(query.order_by(Question.id)) if len(q.correct or []) == 1]


def test_attempts_of(enrollment: TrainingEnrollment) -> list[TrainingTestAttempt]:
    """The person's final-test attempts of this assignment, oldest first."""
    return list(db.session.scalars(
        select(TrainingTestAttempt)
        .where(TrainingTestAttempt.enrollment_id == enrollment.id)
        .order_by(TrainingTestAttempt.started_at, TrainingTestAttempt.id)
    ))


def next_test_at(enrollment: TrainingEnrollment, now: datetime | None = None) -> datetime | None:
    """When the person may start another attempt (None: now, or never when ``attempts_left`` is 0)."""
    now = now or utcnow()
    submitted = [a.submitted_at for a in test_attempts_of(enrollment) if a.submitted_at is not None]
    wait = enrollment.assignment.test_wait_minutes or 0
    if not submitted or not wait:
        return None
    at = max(submitted) + timedelta(minutes=wait)
    return at if at > now else None


def attempts_left(enrollment: TrainingEnrollment) -> int:
    """How many more final-test attempts the person may start (an open one is already counted)."""
    return max(0, enrollment.assignment.test_attempts - len(test_attempts_of(enrollment)))


def start_test(enrollment: TrainingEnrollment, rng=None, now: datetime | None = None) -> TrainingTestAttempt:
    """The attempt in progress (the same questions and order on every reload), else a new one:
    the assignment's number of questions drawn from its banks and competences, options shuffled
    with per-attempt tokens. Refused beyond the assignment's attempt limit or before its waiting
    time since the last submitted attempt has passed."""
    from app.contests.banks import draw_questions

    now = now or utcnow()
    assignment = enrollment.assignment
    if not assignment.has_test:
        raise TrainingError(_("This training has no final test."))
    if enrollment.course_completed_at is None:
        raise TrainingError(_("Complete every lesson of the course before the final test."))
    mine = test_attempts_of(enrollment)
    current = next((a for a in reversed(mine) if a.submitted_at is None), None)
    if current is not None:
        return current
    if len(mine) >= assignment.test_attempts:
        raise TrainingError(_("You have used every attempt allowed for this test."))
    wait_until = next_test_at(enrollment, now)
    if wait_until is not None:
        raise TrainingError(
            _("You can try the test again from %(time)s.", time=format_datetime(wait_until, "HH:mm dd/MM/yyyy"))
        )
    pool = _test_pool(assignment)
    if not pool:
        raise TrainingError(_("No questions are available for this test yet."))
    draw = draw_questions(pool, None, min(assignment.test_questions, len(pool)), rng)
    attempt = TrainingTestAttempt(
        enrollment_id=enrollment.id, question_ids=[item["id"] for item in draw], draw=draw, started_at=now
    )
    db.session.add(attempt)
    db.session.flush()
    return attempt


def _drawn(attempt: TrainingTestAttempt, questions: dict[int, Any]) -> list[dict]:
    """The attempt's draw; attempts started before draws were stored show options as authored."""
    if attempt.draw:
        return list(attempt.draw)
    return [{"id": qid, "order": list(range(len(questions[qid].options)))}
            for qid in attempt.question_ids if qid in questions]


def test_questions(attempt: TrainingTestAttempt) -> list[dict]:
    """What the test page shows: each drawn question's text and options (token and text) in the
    attempt's own order; nothing about the key."""
    from app.contests.banks import option_tokens
    from app.contests.models import Question

    questions = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(attempt.question_ids)))}
    return [
        {
            "id": item["id"],
            "text": questions[item["id"]].text,
            "options": [{"value": token, "text": questions[item["id"]].options[i]}
                        for token, i in zip(option_tokens(item), item["order"], strict=True)],
        }
        for item in _drawn(attempt, questions)
        if item["id"] in questions
    ]


def submit_test(attempt: TrainingTestAttempt, answers: dict[int, str | None]) -> TrainingTestAttempt:
    """Score an attempt (percent right), mark the test passed at the pass mark, record evidence.

    ``answers`` maps question id to the option token sent (None: unanswered); tokens are mapped
    back to the bank's option indexes with the attempt's draw."""
    from app.competency.evidence import record_evidence
    from app.contests.banks import chosen_indexes
    from app.contests.models import Question
    from app.training import certificates

    if attempt.submitted_at is not None:
        raise TrainingError(_("This attempt was already submitted."))
    enrollment = db.session.get_one(TrainingEnrollment, attempt.enrollment_id)
    questions = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(attempt.question_ids)))}
    right = 0
    for item in _drawn(attempt, questions):
        q = questions[item["id"]]
        sent = answers.get(q.id)
        ok = sent is not None and chosen_indexes(item, [sent]) == list(q.correct or [])
        right += ok
        record_evidence(
            enrollment.user_id,
            [q.competence_code],
            "practice",
            f"training-test:{q.id}",
            ok,
            float(q.difficulty or 1),
        )
    attempt.score = round(100 * right / len(questions)) if questions else 0
    attempt.submitted_at = utcnow()
    attempt.passed = attempt.score >= (enrollment.assignment.pass_mark or 100)
    if attempt.passed and enrollment.test_passed_at is None:
        enrollment.test_passed_at = attempt.submitted_at
        _maybe_complete(enrollment)
        if enrollment.completed_at is not None:
            certificates.issue_certificate(enrollment)
    return attempt


def enrollment_for(user: User, assignment_id: int) -> TrainingEnrollment | None:
    return db.session.scalar(
        select(TrainingEnrollment).where(
            and_(TrainingEnrollment.user_id == user.id, TrainingEnrollment.assignment_id == assignment_id)
        )
    )
