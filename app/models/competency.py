"""Models of the competency area.

``Evidence`` is the shared record that lessons, lesson checks, practice, contests and placement
tests write (through ``app.services.evidence.record_evidence``) and from which competency levels
are computed.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.learning import Course
from app.models.locality import Locality, WorkplaceUnit
from app.models.types import binary_string, utcnow
from app.models.user import User

EVIDENCE_SOURCES = ("lesson", "lesson_check", "practice", "contest", "placement")


class Evidence(db.Model):
    """One observation that a person showed (or failed to show) a competence.

    One row per (person, source, reference, competence): doing the same thing again updates it.
    ``difficulty`` is 1 (easy) to 3 (hard) where the source has one (questions), else 1.

    Every reader selects by person (the primary key, which is the natural key, leads with
    ``user_id``) or by time (``occurred_at``). A contest submit writes 30 rows at once, so each
    row costs as little as it can: no surrogate id (no sequence, no second unique index) and a
    BRIN index on ``occurred_at`` on PostgreSQL (rows arrive in time order; a few pages of
    summary instead of a B-tree entry per row; SQLite has a plain index).
    """

    __tablename__ = "evidence"
    __table_args__ = (
        PrimaryKeyConstraint("user_id", "source", "ref", "competence_code", name="pk_evidence"),
        db.CheckConstraint(
            "source IN ('lesson', 'lesson_check', 'practice', 'contest', 'placement')", name="source_valid"
        ),
        Index("ix_evidence_occurred_at", "occurred_at", postgresql_using="brin"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    competence_code: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(20))
    ref: Mapped[str] = mapped_column(String(120))
    success: Mapped[bool] = mapped_column(default=True)
    difficulty: Mapped[float] = mapped_column(Float, default=1.0)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- levels computed from evidence (app.services.competency) -------------------------------------


class CompetenceLevel(db.Model):
    """A person's current level (0 = not assessed yet, 1–8) in one competence, cached from evidence."""

    __tablename__ = "competence_levels"
    __table_args__ = (CheckConstraint("level BETWEEN 0 AND 8", name="level_range"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    competence_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    area_code: Mapped[str] = mapped_column(String(10))
    level: Mapped[int] = mapped_column(SmallInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PersonLevel(db.Model):
    """A person's overall "digital citizen" level (0–8), cached from their competence levels."""

    __tablename__ = "person_levels"
    __table_args__ = (CheckConstraint("level BETWEEN 0 AND 8", name="level_range"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


# --- required training for officials (app.services.training) ------------------------------------


class TrainingAssignment(db.Model):
    """A course that a target group must complete by a due date, optionally with a final test.

    The target group is everyone whose home unit is inside ``locality_id``'s subtree and who matches
    every optional filter (role, position, workplace unit). Members are materialized as
    ``TrainingEnrollment`` rows when the assignment is made (and by ``sync_enrollments`` later).
    """

    __tablename__ = "training_assignments"
    __table_args__ = (
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        CheckConstraint("pass_mark IS NULL OR (pass_mark BETWEEN 1 AND 100)", name="pass_mark_range"),
        CheckConstraint("test_questions BETWEEN 0 AND 50", name="test_questions_range"),
        CheckConstraint(
            "target_role IS NULL OR target_role IN ('citizen', 'helper', 'official', 'organizer', 'manager')",
            name="target_role_valid",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="RESTRICT"), index=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"), index=True)
    target_role: Mapped[str | None] = mapped_column(String(20))
    target_position: Mapped[str | None] = mapped_column(String(120))
    workplace_unit_id: Mapped[int | None] = mapped_column(ForeignKey("workplace_units.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    # 0 questions means no final test; a test needs a pass mark (percentage of right answers).
    test_questions: Mapped[int] = mapped_column(SmallInteger, default=0)
    pass_mark: Mapped[int | None] = mapped_column(SmallInteger)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    locality: Mapped[Locality] = relationship(lazy="joined")
    workplace_unit: Mapped[WorkplaceUnit | None] = relationship(lazy="joined")
    course: Mapped[Course] = relationship(lazy="joined")

    @property
    def has_test(self) -> bool:
        return self.test_questions > 0


class TrainingEnrollment(db.Model):
    """One person who must complete one assignment; timestamps record their progress."""

    __tablename__ = "training_enrollments"
    __table_args__ = (
        UniqueConstraint("assignment_id", "user_id", name="uq_training_enrollments_assignment_id_user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("training_assignments.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    course_completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    test_passed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)

    assignment: Mapped[TrainingAssignment] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")


class TrainingTestAttempt(db.Model):
    """A final-test attempt: the drawn question ids, the answers and the score (percent)."""

    __tablename__ = "training_test_attempts"
    __table_args__ = (CheckConstraint("score IS NULL OR (score BETWEEN 0 AND 100)", name="score_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("training_enrollments.id", ondelete="CASCADE"), index=True
    )
    question_ids: Mapped[list] = mapped_column(JSON, default=list)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    score: Mapped[int | None] = mapped_column(SmallInteger)
    passed: Mapped[bool] = mapped_column(default=False)


class Certificate(db.Model):
    """A certificate of completed training, verifiable at ``/verify/<code>`` until revoked.

    ``code`` is 128 random bits (url-safe); it is the only way to reach the public page.
    """

    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("user_id", "assignment_id", name="uq_certificates_user_id_assignment_id"),
        CheckConstraint("length(code) >= 20", name="code_long_enough"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("training_assignments.id", ondelete="SET NULL"), index=True
    )
    course_title: Mapped[str] = mapped_column(String(200))
    full_name: Mapped[str] = mapped_column(String(120))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(String(300))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    assignment: Mapped[TrainingAssignment | None] = relationship(lazy="joined")

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None


# --- pre-aggregated report figures (app.services.reports) ---------------------------------------
# Figures are kept per locality for the people whose home unit it is (not its subtree); a dashboard
# sums them over a subtree with the path range condition. The *_archive tables keep the same
# figures frozen, with the tree of the time in ``locality_history``, for dates before a
# reorganization (``valid_until`` is the reorganization date).


class _StatColumns:
    citizens: Mapped[int] = mapped_column(Integer, default=0)
    officials: Mapped[int] = mapped_column(Integer, default=0)
    learners: Mapped[int] = mapped_column(Integer, default=0)
    lessons_completed: Mapped[int] = mapped_column(Integer, default=0)
    assisted_sessions: Mapped[int] = mapped_column(Integer, default=0)
    contest_participants: Mapped[int] = mapped_column(Integer, default=0)
    training_required: Mapped[int] = mapped_column(Integer, default=0)
    training_completed: Mapped[int] = mapped_column(Integer, default=0)
    training_overdue: Mapped[int] = mapped_column(Integer, default=0)
    level_0: Mapped[int] = mapped_column(Integer, default=0)
    level_1: Mapped[int] = mapped_column(Integer, default=0)
    level_2: Mapped[int] = mapped_column(Integer, default=0)
    level_3: Mapped[int] = mapped_column(Integer, default=0)
    level_4: Mapped[int] = mapped_column(Integer, default=0)
    level_5: Mapped[int] = mapped_column(Integer, default=0)
    level_6: Mapped[int] = mapped_column(Integer, default=0)
    level_7: Mapped[int] = mapped_column(Integer, default=0)
    level_8: Mapped[int] = mapped_column(Integer, default=0)


STAT_FIGURES = (
    "citizens",
    "officials",
    "learners",
    "lessons_completed",
    "assisted_sessions",
    "contest_participants",
    "training_required",
    "training_completed",
    "training_overdue",
    *(f"level_{n}" for n in range(9)),
)


class LocalityStat(_StatColumns, db.Model):
    __tablename__ = "locality_stats"

    locality_id: Mapped[int] = mapped_column(
        ForeignKey("localities.id", ondelete="CASCADE"), primary_key=True
    )
    refreshed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LocalityAreaStat(db.Model):
    """People with a level in a competence area and the sum of their area levels (mean = sum/people)."""

    __tablename__ = "locality_area_stats"

    locality_id: Mapped[int] = mapped_column(
        ForeignKey("localities.id", ondelete="CASCADE"), primary_key=True
    )
    area_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    people: Mapped[int] = mapped_column(Integer, default=0)
    level_sum: Mapped[int] = mapped_column(Integer, default=0)


class LocalityWeekStat(db.Model):
    """Activity per ISO week (``week_start`` is the Monday, Asia/Ho_Chi_Minh)."""

    __tablename__ = "locality_week_stats"

    locality_id: Mapped[int] = mapped_column(
        ForeignKey("localities.id", ondelete="CASCADE"), primary_key=True
    )
    week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    lessons_completed: Mapped[int] = mapped_column(Integer, default=0)
    active_learners: Mapped[int] = mapped_column(Integer, default=0)
    assisted_sessions: Mapped[int] = mapped_column(Integer, default=0)


class ReportRefresh(db.Model):
    """When figures were last recomputed (incremental refreshes start from the last one)."""

    __tablename__ = "report_refreshes"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    localities: Mapped[int] = mapped_column(Integer, default=0)
    full: Mapped[bool] = mapped_column(default=True)


class LocalityHistory(db.Model):
    """The tree as it was before the reorganization of ``valid_until`` (one row per unit)."""

    __tablename__ = "locality_history"
    __table_args__ = (Index("ix_locality_history_valid_until_path", "valid_until", "path"),)

    valid_until: Mapped[date] = mapped_column(Date, primary_key=True)
    locality_id: Mapped[int] = mapped_column(
        ForeignKey("localities.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))
    type: Mapped[str] = mapped_column(String(40))
    parent_id: Mapped[int | None] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(binary_string(400))
    depth: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def label(self) -> str:
        return f"{self.type} {self.name}"


class LocalityStatArchive(_StatColumns, db.Model):
    __tablename__ = "locality_stats_archive"

    valid_until: Mapped[date] = mapped_column(Date, primary_key=True)
    locality_id: Mapped[int] = mapped_column(
        ForeignKey("localities.id", ondelete="CASCADE"), primary_key=True
    )


class LocalityAreaStatArchive(db.Model):
    __tablename__ = "locality_area_stats_archive"

    valid_until: Mapped[date] = mapped_column(Date, primary_key=True)
    locality_id: Mapped[int] = mapped_column(
        ForeignKey("localities.id", ondelete="CASCADE"), primary_key=True
    )
    area_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    people: Mapped[int] = mapped_column(Integer, default=0)
    level_sum: Mapped[int] = mapped_column(Integer, default=0)


class LocalityWeekStatArchive(db.Model):
    __tablename__ = "locality_week_stats_archive"

    valid_until: Mapped[date] = mapped_column(Date, primary_key=True)
    locality_id: Mapped[int] = mapped_column(
        ForeignKey("localities.id", ondelete="CASCADE"), primary_key=True
    )
    week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    lessons_completed: Mapped[int] = mapped_column(Integer, default=0)
    active_learners: Mapped[int] = mapped_column(Integer, default=0)
    assisted_sessions: Mapped[int] = mapped_column(Integer, default=0)


# --- administrative reorganization (app.services.reorganize) -------------------------------------


class PendingPlacement(db.Model):
    """A person of a split unit waiting for a manager of one of the new units to place them."""

    __tablename__ = "pending_placements"
    __table_args__ = (
        UniqueConstraint("user_id", "effective_on", name="uq_pending_placements_user_id_effective_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    old_locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"))
    effective_on: Mapped[date] = mapped_column(Date)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    old_locality: Mapped[Locality] = relationship(lazy="joined")


class PlacementCandidate(db.Model):
    """One new unit a pending person may be placed in (lets managers' scope filter by path in SQL)."""

    __tablename__ = "placement_candidates"

    placement_id: Mapped[int] = mapped_column(
        ForeignKey("pending_placements.id", ondelete="CASCADE"), primary_key=True
    )
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"), primary_key=True, index=True)
