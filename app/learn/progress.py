"""Learning: the catalogue, progress per step, rehearsal forms, check questions and assisted sessions.

Rules:

- A step is done when the learner moves past it; a step with a check question is done only when
  the question is answered right; a rehearsal step only when its form is filled correctly.
- A video lesson has one more required key, "video", done when the player reports that most of
  the video (``WATCHED_SHARE``) was played, or when one of the lesson's check questions is
  answered right — never by a button alone.
- A lesson is complete when every required key is done; ``completed_at`` is set once and the
  lesson's competences get "lesson" evidence. Each check answer gives "lesson_check" evidence.
- When a helper runs an assisted session, progress is the citizen's, recorded "assisted by" the
  helper; helpers may only assist citizens of their own area (``app.accounts.scope``).
"""
from __future__ import annotations

import hashlib
import hmac
import random
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.accounts.scope import in_scope, scope_filter
from app.accounts.service import normalize_phone
from app.competency.evidence import record_evidence
from app.core import audit, messaging
from app.core.extensions import db
from app.core.text import fold
from app.core.types import local_today, utcnow
from app.learn.models import AssistedSession, Course, Lesson, LessonProgress, Step, StepProgress
from app.learn.search import rank_lessons
from app.localities.models import Locality
from app.localities.service import subtree_clause

HELPER_ROLES = ("helper",)
WATCHED_SHARE = 0.8  # share of a lesson video that must have been played for it to count as watched


class LearningError(ValueError):
    """A rule of the learning area was broken; the message is shown to the person."""


# --- catalogue -------------------------------------------------------------------------------------

@dataclass
class CatalogueEntry:
    course: Course
    lessons: list[Lesson]


def published_courses() -> list[Course]:
    """Published courses with their lessons and steps, in three queries (no lazy loads per lesson)."""
    return list(db.session.scalars(
        select(Course).where(Course.status == "published")
        .options(selectinload(Course.lessons).selectinload(Lesson.steps))
        .order_by(Course.position, Course.title)))


def catalogue(query: str = "", audience: str = "", topic: str = "",
              courses: list[Course] | None = None) -> list[CatalogueEntry]:
    """Published courses and their lessons, filtered, and ranked when there is a search.

    ``audience`` "citizen"/"official" also shows courses for "all"; ``topic`` is a competence code
    (a course matches when it or one of its lessons carries it). A search (``app.learn.search``:
    accents, typos, synonyms from the content) keeps the lessons that answer it, best first, and
    orders the courses by their best lesson.
    """
    courses = published_courses() if courses is None else courses
    entries = []
    for course in courses:
        if audience in ("citizen", "official") and course.audience not in (audience, "all"):
            continue
        lessons = [lesson for lesson in course.lessons if lesson.status == "published"]
        if topic and topic not in course.competences \
                and not any(topic in lesson.competences for lesson in lessons):
            continue
        entries.append(CatalogueEntry(course, lessons))
    if not fold(query):
        return entries
    hits = rank_lessons(query[:100], [lesson for entry in entries for lesson in entry.lessons])
    ranked: dict[int, CatalogueEntry] = {}
    for hit in hits:
        course = hit.lesson.course
        ranked.setdefault(course.id, CatalogueEntry(course, [])).lessons.append(hit.lesson)
    return list(ranked.values())


def find_lesson(course_slug: str, lesson_slug: str, include_drafts: bool = False) -> Lesson | None:
    lesson = db.session.scalar(
        select(Lesson).join(Course).where(Course.slug == course_slug[:80], Lesson.slug == lesson_slug[:80]))
    if lesson is None or (not include_drafts and not lesson.is_public):
        return None
    return lesson


# --- progress --------------------------------------------------------------------------------------

def done_keys(user_id: int | None, lesson: Lesson) -> set[str]:
    """Keys of the lesson's steps (and "video") the learner has done and that still exist."""
    if user_id is None:
        return set()
    keys = set(db.session.scalars(select(StepProgress.step_key).where(
        StepProgress.user_id == user_id, StepProgress.lesson_id == lesson.id)))
    return keys & set(lesson.required_keys)


def lesson_progress(user_id: int | None, lesson: Lesson) -> LessonProgress | None:
    if user_id is None:
        return None
    return db.session.scalar(select(LessonProgress).where(
        LessonProgress.user_id == user_id, LessonProgress.lesson_id == lesson.id))


def resume_step(user_id: int | None, lesson: Lesson) -> int:
    """The 1-based step number to continue at: the first step not yet done (1 when all are)."""
    done = done_keys(user_id, lesson)
    for number, step in enumerate(lesson.steps, 1):
        if step.key not in done:
            return number
    return 1


def mark_done(user_id: int, lesson: Lesson, key: str, helper_id: int | None = None,
              at: datetime | None = None) -> bool:
    """Record that the learner did step ``key`` (or "video") now, or ``at`` (a step done offline);
    True when this completed the lesson. A step already recorded keeps its first record."""
    if key not in lesson.required_keys:
        raise LearningError(_("This step is not part of the lesson."))
    now = at or utcnow()
    exists = db.session.scalar(select(StepProgress.id).where(
        StepProgress.user_id == user_id, StepProgress.lesson_id == lesson.id, StepProgress.step_key == key))
    if exists is None:
        try:
            with db.session.begin_nested():
                db.session.add(StepProgress(user_id=user_id, lesson_id=lesson.id, step_key=key,
                                            completed_at=now, assisted_by_id=helper_id))
        except IntegrityError:
            pass  # the same step saved twice at once (double tap): one row is enough
    progress = lesson_progress(user_id, lesson)
    if progress is None:
        progress = LessonProgress(user_id=user_id, lesson_id=lesson.id, started_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(progress)
        except IntegrityError:  # created by a request racing this one: use that row
            progress = db.session.scalars(select(LessonProgress).where(
                LessonProgress.user_id == user_id, LessonProgress.lesson_id == lesson.id)).one()
    progress.updated_at = max(progress.updated_at, now) if progress.updated_at else now
    progress.last_step_key = key
    if progress.completed_at is None and done_keys(user_id, lesson) >= set(lesson.required_keys):
        progress.completed_at = now
        progress.assisted_by_id = helper_id
        record_evidence(user_id, list(lesson.competences), "lesson", lesson_ref(lesson), True, at=now)
        return True
    return False


def record_viewing(user_id: int | None, lesson: Lesson, played: float | None, duration: float | None,
                   helper_id: int | None = None) -> bool:
    """The player reports seconds actually played (not skipped over) of ``duration``; the video
    counts as watched when at least ``WATCHED_SHARE`` of it was played. True when it counted."""
    if lesson.kind != "video" or played is None or duration is None or not 0 < duration < 86400:
        return False
    if not 0 <= played <= duration * 1.05 or played < WATCHED_SHARE * duration:
        return False
    if user_id is not None:
        mark_done(user_id, lesson, "video", helper_id)
    return True


def lesson_ref(lesson: Lesson) -> str:
    return f"{lesson.course.slug}/{lesson.slug}"


@dataclass(frozen=True)
class CheckOption:
    """One option of a lesson check as shown: ``value`` is its token in this showing."""

    value: str
    text: str


def new_check_layout() -> str:
    """A fresh random nonce for showing a check: each showing gets its own (sent in the form)."""
    return secrets.token_hex(8)


def _check_digest(step: Step, layout: str, what: str) -> bytes:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"check:{step.id}:{step.key}:{layout}:{what}".encode(), hashlib.sha256).digest()


def check_options(step: Step, layout: str) -> list[CheckOption]:
    """The check's options for the showing ``layout`` (a nonce from ``new_check_layout``):
    shuffled, each with a token. Both come from a keyed hash of the nonce (the app's secret), so
    the page's nonce, order and tokens tell nothing about the answer, another showing has other
    ones, and the same nonce (a retry after a wrong answer, or after a restart) shows the same."""
    options = [str(o) for o in (step.check or {}).get("options") or []]
    order = list(range(len(options)))
    random.Random(_check_digest(step, layout, "order")).shuffle(order)
    return [CheckOption(_check_digest(step, layout, f"option:{i}").hex()[:8], options[i]) for i in order]


def check_choice(step: Step, layout: str, value: str | None) -> int | None:
    """The 1-based option number (as authored) of the token ``value`` sent for showing
    ``layout``; None when it is not one of its tokens."""
    options = [str(o) for o in (step.check or {}).get("options") or []]
    for i in range(len(options)):
        if value and hmac.compare_digest(_check_digest(step, layout, f"option:{i}").hex()[:8], value):
            return i + 1
    return None


def answer_check(user_id: int | None, lesson: Lesson, step: Step, choice: int | None,
                 helper_id: int | None = None) -> bool:
    """Grade a check answer (1-based option number as authored; pages send a token that
    ``check_choice`` maps back): the one place lesson checks are graded. Saves evidence and
    progress for a learner."""
    check = step.check or {}
    correct = choice is not None and choice == check.get("answer")
    if user_id is not None:
        codes = [str(c) for c in check.get("competences") or lesson.competences]
        record_evidence(user_id, codes, "lesson_check", f"{lesson_ref(lesson)}/{step.key}", correct)
        if correct:
            if lesson.kind == "video":
                mark_done(user_id, lesson, "video", helper_id)  # answering shows it was watched
            mark_done(user_id, lesson, step.key, helper_id)
    return correct


def check_rehearsal(rehearsal: dict, values: dict[str, str], today: date | None = None) -> dict[str, str]:
    """Mistakes in a rehearsal form: ``{field name: friendly hint}`` (empty when all is right).

    Nothing typed is stored or sent anywhere; only "the step is done" is saved.
    """
    today = today or local_today()
    mistakes: dict[str, str] = {}
    for spec in rehearsal.get("fields", []):
        name, kind = spec["name"], spec["type"]
        value = (values.get(name) or "").strip()
        ok = bool(value)
        if ok and kind == "digits":
            compact = re.sub(r"\s", "", value)
            ok = compact.isdigit() and len(compact) == spec["length"]
            value = compact
        elif ok and kind == "phone":
            value = normalize_phone(value) or ""
            ok = bool(value)
        elif ok and kind == "select":
            ok = value in [str(o) for o in spec["options"]]
        elif ok and kind == "date":
            try:
                day = date.fromisoformat(value)
            except ValueError:
                ok = False
            else:
                ok = (not spec.get("not_future") or day <= today) \
                    and (spec.get("min") is None or day >= date.fromisoformat(str(spec["min"]))) \
                    and (spec.get("max") is None or day <= date.fromisoformat(str(spec["max"])))
        if ok and spec.get("expected") is not None:
            ok = fold(value) == fold(str(spec["expected"]))
        if not ok:
            mistakes[name] = str(spec["hint"])
    return mistakes


def submit_rehearsal(user_id: int | None, lesson: Lesson, step: Step, values: dict[str, str],
                     helper_id: int | None = None) -> dict[str, str]:
    """Check a rehearsal form; when right, the step is done for a learner. Returns the mistakes."""
    mistakes = check_rehearsal(step.rehearsal or {}, values)
    if not mistakes and user_id is not None:
        mark_done(user_id, lesson, step.key, helper_id)
    return mistakes


def course_progress(user_id: int | None, courses: list[Course]) -> dict[int, tuple[int, int]]:
    """``{course id: (lessons completed, published lessons)}`` in one query."""
    totals = {c.id: sum(1 for lesson in c.lessons if lesson.status == "published") for c in courses}
    done = dict.fromkeys(totals, 0)
    if user_id is not None and courses:
        rows = db.session.execute(
            select(Lesson.course_id, func.count(LessonProgress.id))
            .join(LessonProgress, LessonProgress.lesson_id == Lesson.id)
            .where(LessonProgress.user_id == user_id, LessonProgress.completed_at.is_not(None),
                   Lesson.status == "published", Lesson.course_id.in_(totals))
            .group_by(Lesson.course_id)).tuples().all()
        done.update(dict(rows))
    return {cid: (done[cid], totals[cid]) for cid in totals}


@dataclass
class NextStep:
    lesson: Lesson
    number: int  # 1-based step to open (1 for a video lesson's page or a lesson not started)


def next_step(user_id: int | None) -> NextStep | None:
    """Where "continue learning" leads: the step to resume in the lesson touched last and not
    finished; else the next published lesson of the course of the lesson finished last; else None."""
    if user_id is None:
        return None
    recent = db.session.scalars(
        select(LessonProgress).where(LessonProgress.user_id == user_id)
        .order_by(LessonProgress.updated_at.desc(), LessonProgress.id.desc()).limit(20)).all()
    for progress in recent:
        if progress.completed_at is None and progress.lesson.is_public:
            return NextStep(progress.lesson, resume_step(user_id, progress.lesson))
    done = {p.lesson_id for p in recent if p.completed_at is not None}
    for progress in recent:
        following = [other for other in progress.lesson.course.lessons
                     if other.position > progress.lesson.position and other.is_public and other.id not in done]
        if following:
            return NextStep(following[0], 1)
    return None


def my_learning(user_id: int) -> list[LessonProgress]:
    """The learner's lessons, most recently touched first."""
    return list(db.session.scalars(
        select(LessonProgress).where(LessonProgress.user_id == user_id)
        .order_by(LessonProgress.updated_at.desc())))


# --- assisted learning -----------------------------------------------------------------------------

def find_citizens(helper: User, term: str, limit: int = 20) -> list[User]:
    """Citizens of the helper's area whose phone or name (without accents) matches ``term``."""
    term = (term or "").strip()[:100]
    if not term:
        return []
    phone = normalize_phone(term)
    condition = User.phone == phone if phone else User.search_name.contains(fold(term), autoescape=True)
    return list(db.session.scalars(
        select(User).join(Locality, User.locality_id == Locality.id)
        .where(condition, User.kind == "citizen", User.id != helper.id,
               scope_filter(helper, HELPER_ROLES, Locality.path))
        .order_by(User.full_name).limit(limit)))


def create_assisted_citizen(helper: User, full_name: str, locality: Locality, birth_year: int | None = None,
                            phone: str | None = None) -> User:
    """An account for someone without a phone (or who cannot log in), in the helper's area.

    Created on the helper's word, not through the public registration: it is not counted against
    the per-address registration cap (a commune office registers many villagers from one address),
    it records its helper (``created_by_id``) and is audited under the helper's name."""
    if not in_scope(helper, HELPER_ROLES, locality):
        raise LearningError(_("This place is outside your area."))
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise LearningError(_("Enter the person's full name."))
    number = None
    if phone:
        number = normalize_phone(phone)
        if number is None:
            raise LearningError(_("This phone number is not valid."))
        if db.session.scalar(select(User.id).where(User.phone == number)):
            raise LearningError(_("An account with this phone number already exists: search for it."))
    user = User(full_name=full_name[:120], search_name=fold(full_name)[:120], kind="citizen",
                locality=locality, birth_year=birth_year, phone=number, is_assisted=True,
                created_by_id=helper.id)
    db.session.add(user)
    db.session.flush()
    audit.record(helper, "account.assisted_create", "user", user.id, locality=locality.code)
    return user


def start_session(helper: User, citizen: User) -> AssistedSession:
    """Open an assisted session; the citizen must live in the helper's area."""
    if citizen.id == helper.id or citizen.kind != "citizen" \
            or not in_scope(helper, HELPER_ROLES, citizen.locality):
        raise LearningError(_("This person is not in your area."))
    session = AssistedSession(helper_id=helper.id, citizen_id=citizen.id, locality_id=citizen.locality_id,
                              started_at=utcnow())
    db.session.add(session)
    db.session.flush()
    return session


def open_session(helper: User, session_id: int | None) -> AssistedSession | None:
    """The helper's still-open assisted session with this id, else None."""
    if not session_id or not getattr(helper, "is_authenticated", False):
        return None
    session = db.session.get(AssistedSession, session_id)
    if session is None or session.helper_id != helper.id or session.ended_at is not None:
        return None
    return session


def end_session(session: AssistedSession) -> int | None:
    """Close an assisted session and, when the citizen has a phone, queue them a summary of what
    they learned in it (caller commits). Returns the message id, if one was queued."""
    if session.ended_at is not None:
        return None
    session.ended_at = utcnow()
    citizen = session.citizen
    if not citizen.phone:
        return None
    return messaging.enqueue_one("assisted_summary", citizen, _session_summary(session), f"session:{session.id}")


def _session_summary(session: AssistedSession) -> messaging.Content:
    """What the citizen learned with the helper during the session (in the citizen's language)."""
    window = (StepProgress.completed_at >= session.started_at, StepProgress.completed_at <= session.ended_at)
    steps = db.session.scalar(select(func.count(StepProgress.id)).where(
        StepProgress.user_id == session.citizen_id, StepProgress.assisted_by_id == session.helper_id, *window)) or 0
    lessons = list(db.session.scalars(
        select(Lesson.title).join(LessonProgress, LessonProgress.lesson_id == Lesson.id).where(
            LessonProgress.user_id == session.citizen_id, LessonProgress.assisted_by_id == session.helper_id,
            LessonProgress.completed_at >= session.started_at, LessonProgress.completed_at <= session.ended_at)
        .order_by(LessonProgress.completed_at)))
    link = messaging.public_url("learn.my_learning")
    helper = session.helper.full_name

    def render() -> messaging.Content:
        titles = ", ".join(lessons) if lessons else _("none completed yet")
        return messaging.Content(
            _("What you learned today with %(helper)s", helper=helper),
            _("Công Dân Số: today you learned with %(helper)s: %(steps)s steps, lessons completed: %(titles)s. "
              "Continue any time: %(link)s", helper=helper, steps=steps, titles=titles, link=link),
            {"helper": helper, "steps": steps, "lessons": lessons, "link": link},
        )

    with force_locale(session.citizen.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        return render()


def helper_sessions(helper: User, limit: int = 50) -> list[AssistedSession]:
    return list(db.session.scalars(
        select(AssistedSession).where(AssistedSession.helper_id == helper.id)
        .order_by(AssistedSession.started_at.desc()).limit(limit)))


def village_counts(helper: User) -> list[dict]:
    """Per unit the helper is granted: citizens, assisted sessions, lessons completed (and assisted)."""
    rows = []
    for grant in helper.grants:
        if grant.role not in HELPER_ROLES or grant.locality is None:
            continue
        within = subtree_clause(Locality.path, grant.locality.path)
        people = select(User.id).join(Locality, User.locality_id == Locality.id).where(within)
        completed = select(func.count(LessonProgress.id)).where(
            LessonProgress.user_id.in_(people), LessonProgress.completed_at.is_not(None))
        rows.append({
            "locality": grant.locality,
            "citizens": db.session.scalar(select(func.count()).select_from(people.subquery())) or 0,
            "sessions": db.session.scalar(select(func.count(AssistedSession.id)).join(
                Locality, AssistedSession.locality_id == Locality.id).where(within)) or 0,
            "completed": db.session.scalar(completed) or 0,
            "completed_assisted": db.session.scalar(completed.where(
                LessonProgress.assisted_by_id.is_not(None))) or 0,
        })
    return rows

