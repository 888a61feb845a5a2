"""Models of the competency area.

``Evidence`` is the shared record that lessons, lesson checks, practice, contests and placement
tests write (through ``app.services.evidence.record_evidence``) and from which competency levels
are computed.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import utcnow

EVIDENCE_SOURCES = ("lesson", "lesson_check", "practice", "contest", "placement")


class Evidence(db.Model):
    """One observation that a person showed (or failed to show) a competence.

    One row per (person, source, reference, competence): doing the same thing again updates it.
    ``difficulty`` is 1 (easy) to 3 (hard) where the source has one (questions), else 1.
    """

    __tablename__ = "evidence"
    __table_args__ = (
        UniqueConstraint("user_id", "source", "ref", "competence_code", name="uq_evidence_user_source_ref_code"),
        Index("ix_evidence_user_id_competence_code", "user_id", "competence_code"),
        db.CheckConstraint(
            "source IN ('lesson', 'lesson_check', 'practice', 'contest', 'placement')", name="source_valid"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    competence_code: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(20))
    ref: Mapped[str] = mapped_column(String(120))
    success: Mapped[bool] = mapped_column(default=True)
    difficulty: Mapped[float] = mapped_column(Float, default=1.0)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
