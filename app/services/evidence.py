"""Recording evidence of competence; every area calls ``record_evidence`` and nothing else."""
from __future__ import annotations

from datetime import datetime
from functools import partial

from sqlalchemy import bindparam, column, func, select

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
    ``INSERT ... ON CONFLICT DO UPDATE`` for all of them, same semantics: the latest observation
    of ``(user, source, ref, code)`` replaces the earlier one (caller commits).

    One statement rather than an executemany (the contest submit records 30 rows; 30 pipelined
    executions cost the database and the driver more). On PostgreSQL the rows arrive as four
    arrays (``unnest``), so the statement has 7 parameters whatever the count, and psycopg reuses
    its parsed and prepared form; on SQLite as ``VALUES (...), (...)`` rows, ``BATCH`` at a time.
    """
    write_evidence(evidence_params(user_id, items, source, at or utcnow()))


def write_evidence(params: dict) -> None:
    """``record_evidence_many`` of rows already made into ``evidence_params``."""
    user_id, source = params["user_id"], params["source"]
    if not params["refs"]:
        return
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        execute_compiled("evidence-upsert", upsert_arrays, params)
        return
    if dialect != "sqlite":  # pragma: no cover
        for ref, code, success, difficulty in zip(
            params["refs"], params["codes"], params["successes"], params["difficulties"], strict=True
        ):
            record_evidence(user_id, [code], source, ref, success, difficulty, params["occurred_at"])
        return
    for start in range(0, len(params["refs"]), BATCH):
        batch = slice(start, start + BATCH)
        rows = list(zip(params["refs"][batch], params["codes"][batch], params["successes"][batch],
                        params["difficulties"][batch], strict=True))
        values = {"user_id": user_id, "source": source, "occurred_at": params["occurred_at"]}
        for i, (ref, code, success, difficulty) in enumerate(rows):
            values.update({f"ref_{i}": ref, f"code_{i}": code, f"success_{i}": success,
                           f"difficulty_{i}": difficulty})
        execute_compiled(("evidence-upsert", len(rows)), partial(_upsert_values, rows=len(rows)), values)


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
    """The parameters of ``upsert_arrays`` for ``items`` (``(ref, code, success, difficulty)``;
    the latest of a repeated ``(ref, code)`` counts), in a fixed order so that concurrent batches
    of one person lock rows in the same order."""
    if source not in EVIDENCE_SOURCES:
        raise ValueError(f"unknown evidence source {source}")
    rows: dict[tuple[str, str], tuple[bool, float]] = {}
    for ref, code, success, difficulty in items:
        rows[(ref[:120], code)] = (bool(success), float(difficulty))
    keys = sorted(rows)
    return {
        "user_id": user_id, "source": source, "occurred_at": at,
        "refs": [ref for ref, _code in keys], "codes": [code for _ref, code in keys],
        "successes": [rows[key][0] for key in keys], "difficulties": [rows[key][1] for key in keys],
    }


def upsert_arrays(dialect: str, gate=None):
    """PostgreSQL: ``INSERT ... SELECT ... FROM unnest(refs, codes, successes, difficulties)``
    (parameters from ``evidence_params``); with ``gate`` (a SQL condition) only when it holds, so
    that the statement can be part of a bigger one (the contest submit's, in
    ``contest_attempts``)."""
    from sqlalchemy.dialects.postgresql import ARRAY

    table = Evidence.__table__
    arrays = func.unnest(
        *(bindparam(name, type_=ARRAY(table.c[column].type))
          for name, column in (("refs", "ref"), ("codes", "competence_code"), ("successes", "success"),
                               ("difficulties", "difficulty")))
    ).table_valued(
        column("ref", table.c.ref.type), column("competence_code", table.c.competence_code.type),
        column("success", table.c.success.type), column("difficulty", table.c.difficulty.type),
    ).render_derived(name="observed")
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
