"""Recording evidence of competence; every area calls ``record_evidence`` and nothing else."""
from __future__ import annotations

from datetime import datetime
from functools import partial

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, bindparam, column, func, select

from app.competency.models import EVIDENCE_SOURCES, Evidence
from app.core.database import execute_compiled
from app.core.dialect import dialect_insert, writes_in_one_statement
from app.core.extensions import db
from app.core.types import utcnow

SOURCE_LABELS = {"lesson": _l("Lesson"), "lesson_check": _l("Question in a lesson"), "practice": _l("Practice"),
                 "contest": _l("Contest"), "placement": _l("Placement test")}


def source_label(source: str) -> str:
    """Where a piece of evidence came from, in words ("Cuộc thi" rather than "contest")."""
    return str(SOURCE_LABELS.get(source, source))


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
    ``INSERT ... ON CONFLICT DO UPDATE`` for all of them, same semantics: the latest observation
    of ``(user, source, ref, code)`` replaces the earlier one (caller commits).

    One statement rather than an executemany (the contest submit records 30 rows; 30 pipelined
    executions cost the database and the driver more). On PostgreSQL the rows arrive as one JSON
    document (``json_to_recordset``), so the statement has 4 parameters whatever the count, and
    psycopg reuses its parsed and prepared form; on SQLite as ``VALUES (...), (...)`` rows, ``BATCH`` at a time.
    """
    write_evidence(evidence_params(user_id, items, source, at or utcnow()))


def write_evidence(params: dict) -> None:
    """``record_evidence_many`` of rows already made into ``evidence_params``."""
    observed = params["observed"]
    if not observed:
        return
    if writes_in_one_statement():
        execute_compiled("evidence-upsert", upsert_rows, params)
        return
    fixed = {name: params[name] for name in ("user_id", "source", "occurred_at")}
    for start in range(0, len(observed), BATCH):
        batch = observed[start : start + BATCH]
        values = dict(fixed)
        for i, row in enumerate(batch):
            values.update({f"ref_{i}": row["ref"], f"code_{i}": row["competence_code"],
                           f"success_{i}": row["success"], f"difficulty_{i}": row["difficulty"]})
        execute_compiled(("evidence-upsert", len(batch)), partial(_upsert_values, rows=len(batch)), values)


BATCH = 200  # SQLite rows per statement: ~800 parameters, far below its limit


def _on_conflict(stmt):
    """The one rule of both statements: the latest observation replaces the earlier one."""
    return stmt.on_conflict_do_update(
        index_elements=["user_id", "source", "ref", "competence_code"],
        set_={"success": stmt.excluded.success, "difficulty": stmt.excluded.difficulty,
              "occurred_at": stmt.excluded.occurred_at},
    )


def _constants() -> dict:
    table = Evidence.__table__
    return {name: bindparam(name, type_=table.c[name].type) for name in ("user_id", "source", "occurred_at")}


def evidence_params(user_id: int, items: list[tuple[str, str, bool, float]], source: str, at: datetime) -> dict:
    """The parameters of ``upsert_rows`` for ``items`` (``(ref, code, success, difficulty)``; the
    latest of a repeated ``(ref, code)`` counts): the rows in ``observed``, in a fixed order so
    that concurrent batches of one person lock rows in the same order."""
    if source not in EVIDENCE_SOURCES:
        raise ValueError(f"unknown evidence source {source}")
    rows: dict[tuple[str, str], tuple[bool, float]] = {}
    for ref, code, success, difficulty in items:
        rows[(ref[:120], code)] = (bool(success), float(difficulty))
    observed = [
        {"ref": ref, "competence_code": code, "success": success, "difficulty": difficulty}
        for (ref, code), (success, difficulty) in sorted(rows.items())
    ]
    return {"user_id": user_id, "source": source, "occurred_at": at, "observed": observed}


def upsert_rows(dialect: str, gate=None):
    """PostgreSQL: ``INSERT ... SELECT ... FROM json_to_recordset(observed)`` (parameters from
    ``evidence_params``; the rows travel as one JSON document, which costs the driver less than
    arrays); with ``gate`` (a SQL condition) only when it holds, so that the statement can be part
    of a bigger one (the contest submit's, in ``contest_attempts``)."""
    table = Evidence.__table__
    arrays = func.json_to_recordset(bindparam("observed", type_=JSON)).table_valued(
        column("ref", table.c.ref.type), column("competence_code", table.c.competence_code.type),
        column("success", table.c.success.type), column("difficulty", table.c.difficulty.type),
    ).render_derived(name="observed", with_types=True)
    fixed = _constants()
    source = select(
        fixed["user_id"], arrays.c.competence_code, fixed["source"], arrays.c.ref, arrays.c.success,
        arrays.c.difficulty, fixed["occurred_at"],
    )
    if gate is not None:
        source = source.where(gate)
    return _on_conflict(dialect_insert(dialect)(Evidence).from_select(_COLUMNS, source))


def _upsert_values(dialect: str, rows: int):
    """SQLite: ``INSERT ... VALUES (...), (...)`` of ``rows`` rows, parameters named ``<name>_<row>``."""
    table = Evidence.__table__
    fixed = _constants()
    values = [
        {**fixed, "ref": bindparam(f"ref_{i}", type_=table.c.ref.type),
         "competence_code": bindparam(f"code_{i}", type_=table.c.competence_code.type),
         "success": bindparam(f"success_{i}", type_=table.c.success.type),
         "difficulty": bindparam(f"difficulty_{i}", type_=table.c.difficulty.type)}
        for i in range(rows)
    ]
    return _on_conflict(dialect_insert(dialect)(Evidence).values(values))


_COLUMNS = ["user_id", "competence_code", "source", "ref", "success", "difficulty", "occurred_at"]
