"""Editing courses, lessons and steps in the browser (organizers), with the same rules as the files.

Check questions and rehearsal forms are validated by the functions the file loader uses
(``app.learn.content.check_question`` / ``rehearsal_problems``); uploads go through
``app.learn.media`` (type from the content, size limits, WebVTT syntax).
"""
from __future__ import annotations

import secrets

import yaml
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.competency.framework import known_codes
from app.core.extensions import db
from app.core.text import fold
from app.learn import media as media_service
from app.learn.content import RESERVED_SLUGS, check_question, rehearsal_problems, slugify
from app.learn.models import Course, Lesson, Step, StepProgress


class AuthoringError(ValueError):
    """``field`` names the form field the message belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def parse_codes(raw: str) -> list[str]:
    """"2.3, 4.2" → ["2.3", "4.2"], each known to the framework file."""
    codes = [c.strip() for c in (raw or "").replace(";", ",").split(",") if c.strip()]
    unknown = [c for c in codes if c not in known_codes()]
    if unknown or not codes:
        raise AuthoringError("competences", _("Unknown competence codes: %(codes)s", codes=", ".join(unknown))
                             if unknown else _("At least one competence code is needed."))
    return codes


def save_course(course: Course | None, data: dict) -> Course:
    """Create or update a course from form data (slug unique, codes known)."""
    slug = data["slug"]
    if slug in RESERVED_SLUGS:
        raise AuthoringError("slug", _("This short name is reserved."))
    other = db.session.scalar(select(Course.id).where(Course.slug == slug))
    if other is not None and (course is None or other != course.id):
        raise AuthoringError("slug", _("Another course uses this short name."))
    codes = parse_codes(data["competences"])
    if course is None:
        course = Course(slug=slug)
        db.session.add(course)
    course.slug, course.title = slug, data["title"].strip()
    course.summary = (data.get("summary") or "").strip()
    course.audience, course.status, course.competences = data["audience"], data["status"], codes
    course.position = data.get("order") or 0
    course.search_text = fold(f"{course.title} {course.summary}")
    db.session.flush()
    return course


def save_lesson(lesson: Lesson | None, course: Course, data: dict, files: dict) -> Lesson:
    """Create or update a lesson; ``files`` maps video/captions/poster to uploaded files (or None)."""
    slug = data["slug"]
    other = db.session.scalar(select(Lesson.id).where(Lesson.course_id == course.id, Lesson.slug == slug))
    if other is not None and (lesson is None or other != lesson.id):
        raise AuthoringError("slug", _("Another lesson of this course uses this short name."))
    codes = parse_codes(data["competences"])
    written: list = []
    try:
        # Uploads are stored without flushing: a new lesson is only flushed once every field is
        # set (its half-built row flushed by the media lookup was a 500).
        with db.session.no_autoflush:
            if lesson is None:
                lesson = Lesson(slug=slug, course=course)
                db.session.add(lesson)
            lesson.slug, lesson.title, lesson.kind = slug, data["title"].strip(), data["kind"]
            lesson.minutes, lesson.competences, lesson.status = data["minutes"], codes, data["status"]
            lesson.position, lesson.body = data.get("order") or 0, (data.get("body") or "").strip()
            lesson.search_text = fold(f"{lesson.title} {lesson.body[:500]}")
            _store_uploads(lesson, files, (("video", "video"), ("captions", "captions"), ("poster", "image")),
                           written)
            if data["kind"] == "video" and data["status"] == "published" and lesson.video is None:
                raise AuthoringError("video", _("A published video lesson needs a video file."))
    except AuthoringError:
        media_service.remove_files(written)  # the caller rolls the rows back; the files go too
        raise
    db.session.flush()
    return lesson


def _store_uploads(target: Lesson | Step, files: dict, names: tuple[tuple[str, str], ...], written: list) -> None:
    for name, kind in names:
        upload = files.get(name)
        if upload is not None and upload.filename:
            try:
                setattr(target, name, media_service.store_upload(upload, kind, written))
            except media_service.MediaError as exc:
                raise AuthoringError(name, str(exc)) from exc


def add_step(lesson: Lesson, title: str) -> Step:
    """A new step at the end, with a key that never changes afterwards."""
    key = (slugify(title) or "buoc")[:50]
    if any(s.key == key for s in lesson.steps) or key == "video":
        key = f"{key[:50]}-{secrets.token_hex(3)}"
    step = Step(key=key, title=title.strip(), position=len(lesson.steps))
    lesson.steps.append(step)
    db.session.flush()
    return step


def step_check(data: dict) -> dict | None:
    """The check question from form fields, validated; None when the question is empty."""
    question = (data.get("check_question") or "").strip()
    if not question:
        return None
    options = [line.strip() for line in (data.get("check_options") or "").splitlines() if line.strip()]
    check = {"question": question, "options": options, "answer": data.get("check_answer")}
    problems = check_question(check)
    if problems:
        raise AuthoringError("check_question", "; ".join(problems))
    return check


class _PlainLoader(yaml.SafeLoader):
    """YAML's safe loader reading dates and times as the text they are written as: a rehearsal
    form is stored as JSON, which has no date (an unquoted ``2026-01-31`` was a 500)."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


def step_rehearsal(raw: str) -> dict | None:
    """The rehearsal form from its YAML text, validated; None when empty."""
    if not (raw or "").strip():
        return None
    try:
        rehearsal = yaml.load(raw, Loader=_PlainLoader)  # a SafeLoader
    except yaml.YAMLError as exc:
        raise AuthoringError("rehearsal", _("The YAML text is not valid: %(problem)s", problem=exc)) from exc
    problems = rehearsal_problems(rehearsal)
    if problems:
        raise AuthoringError("rehearsal", "; ".join(problems))
    return rehearsal


def save_step(step: Step, data: dict, files: dict) -> Step:
    """Update a step's text, media, check question and rehearsal form."""
    check, rehearsal = step_check(data), step_rehearsal(data.get("rehearsal") or "")
    if check and rehearsal:
        raise AuthoringError("rehearsal", _("A step has either a check question or a rehearsal form, not both."))
    written: list = []
    try:
        _store_uploads(step, files, (("image", "image"), ("audio", "audio")), written)
    except AuthoringError:
        media_service.remove_files(written)
        raise
    step.title, step.body = data["title"].strip(), (data.get("body") or "").strip()
    step.tip = (data.get("tip") or "").strip() or None
    step.warning = (data.get("warning") or "").strip() or None
    step.image_alt = (data.get("image_alt") or "").strip() or None
    step.check, step.rehearsal = check, rehearsal
    db.session.flush()
    return step


def move_step(step: Step, offset: int) -> None:
    """Move a step up (-1) or down (+1) among its lesson's steps."""
    steps = list(step.lesson.steps)
    index = steps.index(step)
    target = index + offset
    if 0 <= target < len(steps):
        steps[index], steps[target] = steps[target], steps[index]
        for position, item in enumerate(steps):
            item.position = position
    step.lesson.steps = sorted(steps, key=lambda s: s.position)


def step_learners(step: Step) -> int:
    """How many learners have done ``step`` (shown before it is deleted: their record of it stays,
    the lesson no longer counts it)."""
    return db.session.scalar(
        select(func.count()).select_from(StepProgress).where(
            StepProgress.lesson_id == step.lesson_id, StepProgress.step_key == step.key)
    ) or 0


def delete_step(step: Step) -> None:
    lesson = step.lesson
    lesson.steps.remove(step)
    for position, item in enumerate(lesson.steps):
        item.position = position
