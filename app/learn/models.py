"""Models of the learning area: courses, lessons, steps, media, progress and assisted sessions.

Content (``Course`` → ``Lesson`` → ``Step``) is loaded from ``courses/`` files or edited in the
browser; both keep the same slugs and step keys, so a learner's progress survives edits.

Tables other areas read (the competency dashboards of issue 5):

- ``lesson_progress`` (``LessonProgress``): one row per (learner, lesson): ``started_at``,
  ``completed_at`` (NULL until every step is done and the check answered right), ``last_step_key``
  (where to resume) and ``assisted_by_id`` (the helper who sat beside the learner when the lesson
  was completed; NULL when done alone).
- ``step_progress`` (``StepProgress``): one row per (learner, lesson, step key) that is done, with
  ``completed_at`` and ``assisted_by_id``.
- ``assisted_sessions`` (``AssistedSession``): a helper guiding a citizen: ``helper_id``,
  ``citizen_id``, ``locality_id`` (the citizen's unit when the session started), ``started_at``,
  ``ended_at`` (NULL while the session is open).
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.extensions import Model
from app.core.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.localities.models import Locality

AUDIENCES = ("citizen", "official", "all")
LESSON_KINDS = ("video", "steps")
STATUSES = ("draft", "published")


class MediaFile(Model):
    """A stored media file (image, video, captions, audio) under ``UPLOAD_DIR/<token>``.

    ``token`` is random and is the only name that reaches the filesystem; ``filename`` is the
    original base name, kept for exporting the course back to files. Identical content is stored
    once (``sha256`` is unique and doubles as the HTTP ETag).
    """

    __tablename__ = "media_files"
    __table_args__ = (
        CheckConstraint("size >= 0", name="size_non_negative"),
        CheckConstraint("kind IN ('image', 'video', 'captions', 'audio')", name="kind_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    content_type: Mapped[str] = mapped_column(String(60))
    filename: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Course(Model):
    """A course: an ordered set of lessons for an audience (citizen, official or all)."""

    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint("audience IN ('citizen', 'official', 'all')", name="audience_valid"),
        CheckConstraint("status IN ('draft', 'published')", name="status_valid"),
        CheckConstraint("length(slug) > 0", name="slug_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[str] = mapped_column(String(10), default="all")
    competences: Mapped[list] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default="published")
    # Accent-free lower-case title and summary (app.core.text.fold) for searching.
    search_text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="Lesson.position",
    )


class Lesson(Model):
    """A short lesson: a video (with captions and poster) or a series of steps.

    The slug is unique within its course; the URL is ``/learn/<course>/<lesson>``.
    """

    __tablename__ = "lessons"
    __table_args__ = (
        UniqueConstraint("course_id", "slug", name="uq_lessons_course_id_slug"),
        CheckConstraint("kind IN ('video', 'steps')", name="kind_valid"),
        CheckConstraint("status IN ('draft', 'published')", name="status_valid"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
        CheckConstraint("kind = 'steps' OR video_id IS NOT NULL OR status = 'draft'",
                        name="published_video_has_file"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10), default="steps")
    minutes: Mapped[int] = mapped_column(Integer, default=5)
    competences: Mapped[list] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default="published")
    body: Mapped[str] = mapped_column(Text, default="")
    video_id: Mapped[int | None] = mapped_column(ForeignKey("media_files.id"))
    captions_id: Mapped[int | None] = mapped_column(ForeignKey("media_files.id"))
    poster_id: Mapped[int | None] = mapped_column(ForeignKey("media_files.id"))
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Everyday wordings people search with ("lam giay khai sinh"), kept with the content
    # (``synonyms:`` in the lesson's front matter) and matched by app.learn.search.
    synonyms: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    course: Mapped[Course] = relationship(back_populates="lessons")
    steps: Mapped[list[Step]] = relationship(
        back_populates="lesson", cascade="all, delete-orphan", order_by="Step.position",
    )
    video: Mapped[MediaFile | None] = relationship(foreign_keys=[video_id])
    captions: Mapped[MediaFile | None] = relationship(foreign_keys=[captions_id])
    poster: Mapped[MediaFile | None] = relationship(foreign_keys=[poster_id])

    @property
    def required_keys(self) -> list[str]:
        """Progress keys that must all be done to complete the lesson (a video counts as one)."""
        return (["video"] if self.kind == "video" else []) + [s.key for s in self.steps]

    @property
    def is_public(self) -> bool:
        return self.status == "published" and self.course.status == "published"


class Step(Model):
    """One screen of a lesson: a title, an instruction (Markdown), an image, a tip or warning,
    optional narration audio, and optionally a check question or a rehearsal form.

    ``key`` is stable across edits (progress is stored by key). ``check`` is
    ``{"question", "options": [...], "answer": 1-based index, "competences": [...]}``;
    ``rehearsal`` is ``{"intro", "fields": [...]}`` (see docs/content.md).
    """

    __tablename__ = "steps"
    __table_args__ = (
        UniqueConstraint("lesson_id", "key", name="uq_steps_lesson_id_key"),
        CheckConstraint("length(key) > 0", name="key_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    tip: Mapped[str | None] = mapped_column(Text)
    warning: Mapped[str | None] = mapped_column(Text)
    image_id: Mapped[int | None] = mapped_column(ForeignKey("media_files.id"))
    image_alt: Mapped[str | None] = mapped_column(String(300))
    audio_id: Mapped[int | None] = mapped_column(ForeignKey("media_files.id"))
    check: Mapped[dict | None] = mapped_column(JSON)
    rehearsal: Mapped[dict | None] = mapped_column(JSON)

    lesson: Mapped[Lesson] = relationship(back_populates="steps")
    image: Mapped[MediaFile | None] = relationship(foreign_keys=[image_id], lazy="joined")
    audio: Mapped[MediaFile | None] = relationship(foreign_keys=[audio_id], lazy="joined")


class LessonProgress(Model):
    """A learner's state in one lesson.

    ``user_id`` is the learner; ``completed_at`` is set once, when every required step is done;
    ``assisted_by_id`` is the helper present when it was completed (NULL: alone);
    ``last_step_key`` is where "Continue" resumes.
    """

    __tablename__ = "lesson_progress"
    __table_args__ = (
        UniqueConstraint("user_id", "lesson_id", name="uq_lesson_progress_user_id_lesson_id"),
        Index("ix_lesson_progress_completed_at", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_step_key: Mapped[str | None] = mapped_column(String(60))
    assisted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)

    lesson: Mapped[Lesson] = relationship()


class StepProgress(Model):
    """One step (by key) a learner has done, when, and with which helper beside them (if any)."""

    __tablename__ = "step_progress"
    __table_args__ = (
        UniqueConstraint("user_id", "lesson_id", "step_key",
                         name="uq_step_progress_user_id_lesson_id_step_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    step_key: Mapped[str] = mapped_column(String(60))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    assisted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)


class AssistedSession(Model):
    """A helper guiding a citizen through lessons ("cầm tay chỉ việc").

    ``locality_id`` is the citizen's unit when the session started (the helper's scope was checked
    against it); ``ended_at`` is NULL while the session is open.
    """

    __tablename__ = "assisted_sessions"
    __table_args__ = (
        CheckConstraint("helper_id <> citizen_id", name="helper_is_not_citizen"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    helper_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("localities.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    helper: Mapped[User] = relationship(foreign_keys=[helper_id])
    citizen: Mapped[User] = relationship(foreign_keys=[citizen_id])
    locality: Mapped[Locality | None] = relationship()
