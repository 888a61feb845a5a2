"""Demo data of the competency area for ``flask demo seed`` (runs after the foundation's demo tree
and accounts and, when registered earlier, the lessons seeder).

Creates, once: evidence and completed lessons for the demo citizen 0900000006 and for generated
demo citizens across the demo villages (no login: ``is_assisted`` accounts with a synthetic
``@example.invalid`` e-mail), a required-training assignment for the officials of the demo
province, a completed enrollment with its certificate for the demo official 0900000004, then a
full reports refresh. Running it again changes nothing (every step looks for what it made).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.accounts.models import User
from app.competency import reports
from app.competency.evidence import record_evidence
from app.competency.framework import get_framework
from app.competency.models import Evidence
from app.core.extensions import db
from app.core.text import fold
from app.core.types import local_today, utcnow
from app.learn.models import Course, Lesson, LessonProgress
from app.localities.models import Locality
from app.training import service as training
from app.training.models import TrainingAssignment, TrainingEnrollment

DEMO_PROVINCE = "75"  # Tỉnh Đồng Nai, which took over Bình Phước on 1 July 2025 (app/localities/demo.py)
DEMO_CITIZEN = "0900000006"
DEMO_OFFICIAL = "0900000004"
DEMO_ORGANIZER = "0900000002"
GENERATED_CITIZENS = 24
ASSIGNMENT_TITLE = "Bồi dưỡng kỹ năng số cho cán bộ, công chức (demo)"
DEMO_REF = "demo"
NAMES = ("Nguyễn Thị Lan", "Trần Văn Hùng", "Lê Thị Hoa", "Phạm Văn Minh", "Hoàng Thị Mai", "Vũ Văn Nam",
         "Đặng Thị Thu", "Bùi Văn Tâm", "Đỗ Thị Hạnh", "Ngô Văn Sơn", "Dương Thị Yến", "Lý Văn Phúc")


def _demo_citizens(villages: list[Locality]) -> list[User]:
    """The generated demo citizens (created when missing), dealt round-robin over ``villages``."""
    people = []
    for n in range(1, GENERATED_CITIZENS + 1):
        email = f"demo-citizen-{n}@example.invalid"
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            name = f"{NAMES[(n - 1) % len(NAMES)]} {n}"
            user = User(email=email, full_name=name, search_name=fold(name), kind="citizen",
                        locality=villages[(n - 1) % len(villages)], is_assisted=True, is_demo=True,
                        birth_year=1950 + (n * 7) % 55)
            db.session.add(user)
        people.append(user)
    db.session.flush()
    return people


def _evidence(user: User, strength: int, rng: random.Random, now: datetime) -> bool:
    """Practice and placement evidence spread over the last eight weeks; False if already there."""
    exists = db.session.scalar(select(func.count()).select_from(Evidence).where(
        Evidence.user_id == user.id, Evidence.ref.like(f"{DEMO_REF}:%")))
    if exists:
        return False
    framework = get_framework()
    areas = list(framework.areas)
    for area in rng.sample(areas, k=min(len(areas), 2 + strength)):
        for comp in area.competences[: 1 + strength]:
            for i in range(2 + 2 * strength):
                record_evidence(user.id, [comp.code], "practice", f"{DEMO_REF}:{comp.code}:{i}",
                                success=rng.random() < 0.55 + 0.1 * strength, difficulty=rng.choice((1, 2, 3)),
                                at=now - timedelta(days=rng.randint(0, 55)))
        record_evidence(user.id, [area.competences[0].code], "placement", f"{DEMO_REF}:placement:{area.code}",
                        success=strength > 0, difficulty=2, at=now - timedelta(days=rng.randint(0, 55)))
    return True


def _complete_lessons(user: User, lessons: list[Lesson], count: int, rng: random.Random, now: datetime) -> bool:
    """Mark ``count`` of ``lessons`` completed (and the next one started) for ``user``; False if the
    person already has progress on any of them."""
    if not lessons or db.session.scalar(select(func.count()).select_from(LessonProgress).where(
            LessonProgress.user_id == user.id, LessonProgress.lesson_id.in_([x.id for x in lessons]))):
        return False
    for i, lesson in enumerate(lessons[: count + 1]):
        started = now - timedelta(days=rng.randint(1, 50))
        done = i < count
        db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson.id, started_at=started,
                                      updated_at=started, completed_at=started if done else None))
        if done and lesson.competences:
            record_evidence(user.id, list(lesson.competences), "lesson", f"{DEMO_REF}:lesson:{lesson.id}",
                            success=True, at=started)
    return True


def _published_lessons(course: Course) -> list[Lesson]:
    return list(db.session.scalars(select(Lesson).where(
        Lesson.course_id == course.id, Lesson.status == "published").order_by(Lesson.position, Lesson.id)))


def _training(province: Locality, now: datetime) -> bool:
    """The required-training assignment for the province's officials and the demo official's
    completed enrollment with its certificate; False if nothing was created."""
    changed = False
    organizer = db.session.scalar(select(User).where(User.phone == DEMO_ORGANIZER))
    official = db.session.scalar(select(User).where(User.phone == DEMO_OFFICIAL))
    assignment = db.session.scalar(select(TrainingAssignment).where(
        TrainingAssignment.title == ASSIGNMENT_TITLE, TrainingAssignment.locality_id == province.id))
    if assignment is None:
        courses = db.session.scalars(select(Course).where(
            Course.status == "published", Course.audience.in_(("official", "all")))
            .order_by(Course.audience.desc(), Course.position, Course.id)).all()
        course = next((c for c in courses if _published_lessons(c)), None)
        if course is None or organizer is None:
            return False  # the lessons seeder did not run (or loaded nothing): no course to assign
        assignment = training.create_assignment(
            organizer, title=ASSIGNMENT_TITLE, course=course, locality=province,
            due_on=local_today() + timedelta(days=30), target_role="official")
        changed = True
    else:
        changed = training.sync_enrollments(assignment) > 0
    if official is None:
        return changed
    enrollment = db.session.scalar(select(TrainingEnrollment).where(
        TrainingEnrollment.assignment_id == assignment.id, TrainingEnrollment.user_id == official.id))
    if enrollment is None or enrollment.completed_at is not None:
        return changed
    lessons = _published_lessons(assignment.course)
    done = set(db.session.scalars(select(LessonProgress.lesson_id).where(
        LessonProgress.user_id == official.id, LessonProgress.completed_at.is_not(None))))
    finished = now - timedelta(days=3)
    for lesson in lessons:
        if lesson.id not in done:
            progress = db.session.scalar(select(LessonProgress).where(
                LessonProgress.user_id == official.id, LessonProgress.lesson_id == lesson.id))
            if progress is None:
                progress = LessonProgress(user_id=official.id, lesson_id=lesson.id,
                                          started_at=finished - timedelta(days=7))
                db.session.add(progress)
            progress.completed_at = progress.updated_at = finished
    db.session.flush()
    training.update_progress([enrollment])  # completes it and issues the certificate
    return True


def seed_competency_demo() -> None:
    """Demo seeder (see the module docstring); idempotent and quick (a few hundred rows)."""
    province = db.session.scalar(select(Locality).where(Locality.code == DEMO_PROVINCE, Locality.is_demo))
    if province is None:
        return
    villages = list(db.session.scalars(select(Locality).where(
        Locality.is_demo, func.length(Locality.code) == 7).order_by(Locality.code)))
    now = utcnow()
    rng = random.Random(70)
    lessons = list(db.session.scalars(
        select(Lesson).join(Course).where(Lesson.status == "published", Course.status == "published",
                                          Course.audience.in_(("citizen", "all")))
        .order_by(Course.position, Course.id, Lesson.position, Lesson.id)))
    changed = False
    people: list[User] = []
    citizen = db.session.scalar(select(User).where(User.phone == DEMO_CITIZEN))
    if citizen is not None:
        people.append(citizen)
    if villages:
        people.extend(_demo_citizens(villages))
    for index, person in enumerate(people):
        strength = 2 if index == 0 else index % 4
        person_rng = random.Random(rng.random() + index)
        changed |= _evidence(person, strength, person_rng, now)
        changed |= _complete_lessons(person, lessons, 1 + (index * 3) % 5, person_rng, now)
    db.session.flush()
    changed |= _training(province, now)
    db.session.flush()
    if changed:
        reports.refresh_reports(full=True)
