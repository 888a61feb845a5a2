"""Recording evidence of competence; every area calls ``record_evidence`` and nothing else."""
from __future__ import annotations

from datetime import datetime
from functools import partial

from sqlalchemy import bindparam, select

from app.database import dialect_insert, execute_compiled
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


def record_evidence_many(user_id: int, items: list[tuple[str, str, bool, float]], source: str,
                         at: datetime | None = None) -> None:
    """Batched ``record_evidence``: ``items`` are ``(ref, code, success, difficulty)``; one
    ``INSERT ... VALUES (...), (...) ON CONFLICT DO UPDATE`` per ``BATCH`` rows (PostgreSQL and
    SQLite), same semantics: the latest observation of ``(user, source, ref, code)`` replaces the
    earlier one (caller commits).

    One multi-row statement rather than an executemany: the contest submit records 30 rows, and 30
    pipelined executions cost the database and the driver ~3 ms more than one statement.
    """
    if source not in EVIDENCE_SOURCES:
        raise ValueError(f"unknown evidence source {source}")
    at = at or utcnow()
    rows: dict[tuple[str, str], dict] = {}
    for ref, code, success, difficulty in items:
        rows[(ref[:120], code)] = {"user_id": user_id, "competence_code": code, "source": source,
                                   "ref": ref[:120], "success": bool(success),
                                   "difficulty": float(difficulty), "occurred_at": at}
    if not rows:
        return
    if db.session.get_bind().dialect.name not in ("postgresql", "sqlite"):  # pragma: no cover
        for (ref, code), row in rows.items():
            record_evidence(user_id, [code], source, ref, row["success"], row["difficulty"], at)
        return
    # A fixed order so that concurrent batches of one person lock rows in the same order.
    ordered = [rows[key] for key in sorted(rows)]
    for start in range(0, len(ordered), BATCH):
        batch = ordered[start : start + BATCH]
        params = {f"{name}_{i}": row[name] for i, row in enumerate(batch) for name in _COLUMNS}
        execute_compiled(("evidence-upsert", len(batch)), partial(_upsert, rows=len(batch)), params)


BATCH = 200  # rows per statement: 1,400 parameters, far below SQLite's limit
_COLUMNS = ["user_id", "competence_code", "source", "ref", "success", "difficulty", "occurred_at"]


def _upsert(dialect: str, rows: int):
    """The upsert of ``rows`` evidence rows, parameters named ``<column>_<row>``."""
    table = Evidence.__table__
    stmt = dialect_insert(dialect)(Evidence).values(
        [{name: bindparam(f"{name}_{i}", type_=table.c[name].type) for name in _COLUMNS} for i in range(rows)]
    )
    return stmt.on_conflict_do_update(
        index_elements=["user_id", "source", "ref", "competence_code"],
        set_={"success": stmt.excluded.success, "difficulty": stmt.excluded.difficulty,
              "occurred_at": stmt.excluded.occurred_at},
    )
