"""Required training for officials: assignments, enrollments, final-test attempts, certificates."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.extensions import Model
from app.core.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.accounts.models import User, WorkplaceUnit
    from app.learn.models import Course
    from app.localities.models import Locality


class TrainingAssignment(Model):
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
        CheckConstraint("test_attempts BETWEEN 1 AND 20", name="test_attempts_range"),
        CheckConstraint("test_wait_minutes BETWEEN 0 AND 10080", name="test_wait_minutes_range"),
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
    # Where the final test's questions come from: the banks (slugs) and competences (codes) named
    # here; no bank named: any bank; no competence named: the course's and its lessons' ones.
    test_banks: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    test_competences: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    # How many final-test attempts a person may start, and the minutes between two of them.
    test_attempts: Mapped[int] = mapped_column(SmallInteger, default=3, server_default="3")
    test_wait_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    locality: Mapped[Locality] = relationship(lazy="joined")
    workplace_unit: Mapped[WorkplaceUnit | None] = relationship(lazy="joined")
    course: Mapped[Course] = relationship(lazy="joined")

    @property
    def has_test(self) -> bool:
        return self.test_questions > 0


class TrainingEnrollment(Model):
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
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    course_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    test_passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    assignment: Mapped[TrainingAssignment] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")


class TrainingTestAttempt(Model):
    """A final-test attempt: the drawn question ids, the answers and the score (percent).

    ``draw`` is fixed when the attempt starts and shown on every reload until it is submitted:
    ``[{"id": question_id, "order": [bank option indexes in shown order], "tokens": [...]}]``
    (``app.contests.banks.draw_questions``); the tokens identify the options to the person and mean
    nothing in another attempt."""

    __tablename__ = "training_test_attempts"
    __table_args__ = (CheckConstraint("score IS NULL OR (score BETWEEN 0 AND 100)", name="score_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("training_enrollments.id", ondelete="CASCADE"), index=True
    )
    question_ids: Mapped[list] = mapped_column(JSON, default=list)
    draw: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[int | None] = mapped_column(SmallInteger)
    passed: Mapped[bool] = mapped_column(default=False)


CERTIFICATE_KINDS = ("training", "contest")


class Certificate(Model):
    """A certificate, verifiable at ``/verify/<code>`` until revoked: a completed training
    (``kind`` "training", ``assignment_id``) or a contest prize (``kind`` "contest",
    ``contest_round_id`` and the prize in ``award``). ``subject`` is what it certifies (the course,
    or the contest and round), ``issuer`` the issuing authority printed on it.

    ``code`` is 128 random bits (url-safe); it is the only way to reach the public page. A person
    holds at most one valid certificate per contest round (a partial unique index): when a new final
    ranking changes their prize, the old certificate is revoked before the new one is issued.
    """

    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("user_id", "assignment_id", name="uq_certificates_user_id_assignment_id"),
        CheckConstraint("length(code) >= 20", name="code_long_enough"),
        CheckConstraint("kind IN ('training', 'contest')", name="kind_valid"),
        Index(
            "uq_certificates_round_user_valid",
            "contest_round_id",
            "user_id",
            unique=True,
            postgresql_where=text("revoked_at IS NULL"),
            sqlite_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(10), default="training", server_default="training")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("training_assignments.id", ondelete="SET NULL"), index=True
    )
    contest_round_id: Mapped[int | None] = mapped_column(
        ForeignKey("contest_rounds.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(String(200))
    award: Mapped[str | None] = mapped_column(String(80))
    issuer: Mapped[str] = mapped_column(String(200), default="", server_default="")
    full_name: Mapped[str] = mapped_column(String(120))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(300))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    assignment: Mapped[TrainingAssignment | None] = relationship(lazy="joined")

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None
