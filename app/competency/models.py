"""Models of the competency area.

``Evidence`` is the shared record that lessons, lesson checks, practice, contests and placement
tests write (through ``app.competency.evidence.record_evidence``) and from which competency levels
are computed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import Model, db
from app.core.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    pass

EVIDENCE_SOURCES = ("lesson", "lesson_check", "practice", "contest", "placement")


class Evidence(Model):
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
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- levels computed from evidence (app.competency.levels) -------------------------------------


class CompetenceLevel(Model):
    """A person's current level (0 = not assessed yet, 1–8) in one competence, cached from evidence."""

    __tablename__ = "competence_levels"
    __table_args__ = (CheckConstraint("level BETWEEN 0 AND 8", name="level_range"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    competence_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    area_code: Mapped[str] = mapped_column(String(10))
    level: Mapped[int] = mapped_column(SmallInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PersonLevel(Model):
    """A person's overall "digital citizen" level (0–8), cached from their competence levels."""

    __tablename__ = "person_levels"
    __table_args__ = (CheckConstraint("level BETWEEN 0 AND 8", name="level_range"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


# --- pre-aggregated report figures (app.competency.reports) ---------------------------------------
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


class LocalityStat(_StatColumns, Model):
    __tablename__ = "locality_stats"

    locality_id: Mapped[int] = mapped_column(
        ForeignKey("localities.id", ondelete="CASCADE"), primary_key=True
    )
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LocalityAreaStat(Model):
    """People with a level in a competence area and the sum of their area levels (mean = sum/people)."""

    __tablename__ = "locality_area_stats"

    locality_id: Mapped[int] = mapped_column(
        ForeignKey("localities.id", ondelete="CASCADE"), primary_key=True
    )
    area_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    people: Mapped[int] = mapped_column(Integer, default=0)
    level_sum: Mapped[int] = mapped_column(Integer, default=0)


class LocalityWeekStat(Model):
    """Activity per ISO week (``week_start`` is the Monday, Asia/Ho_Chi_Minh)."""

    __tablename__ = "locality_week_stats"

    locality_id: Mapped[int] = mapped_column(
        ForeignKey("localities.id", ondelete="CASCADE"), primary_key=True
    )
    week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    lessons_completed: Mapped[int] = mapped_column(Integer, default=0)
    active_learners: Mapped[int] = mapped_column(Integer, default=0)
    assisted_sessions: Mapped[int] = mapped_column(Integer, default=0)


class ReportRefresh(Model):
    """When figures were last recomputed (incremental refreshes start from the last one).

    ``as_of``: the stored figures count every event up to this instant (NULL for runs made before
    it was recorded: their ``started_at`` stands for it)."""

    __tablename__ = "report_refreshes"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    as_of: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    localities: Mapped[int] = mapped_column(Integer, default=0)
    full: Mapped[bool] = mapped_column(default=True)


class LocalityStatArchive(_StatColumns, Model):
    __tablename__ = "locality_stats_archive"

    valid_until: Mapped[date] = mapped_column(Date, primary_key=True)
    locality_id: Mapped[int] = mapped_column(
        ForeignKey("localities.id", ondelete="CASCADE"), primary_key=True
    )


class LocalityAreaStatArchive(Model):
    __tablename__ = "locality_area_stats_archive"

    valid_until: Mapped[date] = mapped_column(Date, primary_key=True)
    locality_id: Mapped[int] = mapped_column(
        ForeignKey("localities.id", ondelete="CASCADE"), primary_key=True
    )
    area_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    people: Mapped[int] = mapped_column(Integer, default=0)
    level_sum: Mapped[int] = mapped_column(Integer, default=0)


class LocalityWeekStatArchive(Model):
    __tablename__ = "locality_week_stats_archive"

    valid_until: Mapped[date] = mapped_column(Date, primary_key=True)
    locality_id: Mapped[int] = mapped_column(
        ForeignKey("localities.id", ondelete="CASCADE"), primary_key=True
    )
    week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    lessons_completed: Mapped[int] = mapped_column(Integer, default=0)
    active_learners: Mapped[int] = mapped_column(Integer, default=0)
    assisted_sessions: Mapped[int] = mapped_column(Integer, default=0)


# --- figures over time (app.competency.reports: ``tick``, ``snapshot_day``) ----------------------


class LocalityDailyStat(_StatColumns, Model):
    """The figures of one home unit at the end of one day (Asia/Ho_Chi_Minh), kept for reports of
    past dates; the tree of that day is the current one or the ``locality_history`` of the first
    reorganization after it."""

    __tablename__ = "locality_daily_stats"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    locality_id: Mapped[int] = mapped_column(
        ForeignKey("localities.id", ondelete="CASCADE"), primary_key=True
    )


class ReportDay(Model):
    """A day whose figures were kept in ``locality_daily_stats`` (a day without a row here has no
    figures, said so on the dashboard) and the instant they count events up to."""

    __tablename__ = "report_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReportMark(Model):
    """A unit whose figures changed in a way the timestamps cannot tell (a person moved out of it):
    written when the change is flushed, consumed by the next ``flask reports tick``."""

    __tablename__ = "report_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    locality_id: Mapped[int] = mapped_column(Integer)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
