"""Recording evidence of competence; every area calls ``record_evidence`` and nothing else."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models.competency import EVIDENCE_SOURCES, Evidence
from app.models.types import utcnow


def record_evidence(user_id: int, codes: list[str] | tuple[str, ...], source: str, ref: str,
                    success: bool, difficulty: float = 1.0, at: datetime | None = None) -> None:
    """Upsert one evidence row per competence code for ``(user, source, ref)`` (caller commits).

    A later observation of the same thing replaces the earlier one (a re-answered question counts
    once, with its latest result).
    """
    if source not in EVIDENCE_SOURCES:
        raise ValueError(f"unknown evidence source {source}")
    at = at or utcnow()
    for code in dict.fromkeys(codes):
        row = db.session.scalar(select(Evidence).where(
            Evidence.user_id == user_id, Evidence.source == source, Evidence.ref == ref[:120],
            Evidence.competence_code == code))
        if row is None:
            db.session.add(Evidence(user_id=user_id, competence_code=code, source=source, ref=ref[:120],
                                    success=success, difficulty=difficulty, occurred_at=at))
        else:
            row.success, row.difficulty, row.occurred_at = success, difficulty, at
