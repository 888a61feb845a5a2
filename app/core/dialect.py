"""The one place that knows how PostgreSQL and SQLite differ.

Business rules never test ``dialect.name``; they call one of these named functions, each of which
says what it does on either database:

- ``dialect_insert`` — the ``INSERT ... ON CONFLICT`` construct (upserts) of the session's database;
- ``writes_in_one_statement`` — whether a chain of writes can run as one statement of
  data-modifying CTEs with JSON row sets (PostgreSQL); SQLite runs the same writes one by one;
- ``week_start`` — the Monday (Asia/Ho_Chi_Minh) of a UTC timestamp, as SQL;
- ``autocommit_request`` — run the rest of the request outside a transaction where that saves
  round trips (PostgreSQL), a no-op elsewhere;
- ``replace_partition`` — replace every row of one key of a list-partitioned table: on PostgreSQL
  by filling a new table, indexing it and swapping it in; on SQLite by delete and insert.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table, column, delete, func, literal_column, table, text
from sqlalchemy.engine import Connection

from app.core.extensions import db

POSTGRESQL = "postgresql"


def _name(bind: Any = None) -> str:
    return (bind if bind is not None else db.session.get_bind()).dialect.name


def dialect_insert(dialect: str) -> Callable[..., Any]:
    """The ``insert`` of PostgreSQL or SQLite, the two with ``ON CONFLICT`` (upserts)."""
    from sqlalchemy.dialects import postgresql, sqlite

    return postgresql.insert if dialect == POSTGRESQL else sqlite.insert


def writes_in_one_statement(connection: Connection | None = None) -> bool:
    """True where several dependent writes (and JSON row sets as parameters) can be sent as one
    statement: PostgreSQL's data-modifying CTEs and ``json_to_recordset``. SQLite has neither, so
    callers run the same writes as separate statements in the same transaction."""
    return _name(connection) == POSTGRESQL


def week_start(column_: Any) -> Any:
    """SQL expression: the Monday (Asia/Ho_Chi_Minh) of the week of a UTC timestamp column."""
    if _name(db.engine) == POSTGRESQL:
        # Literal SQL text, not bound parameters, so GROUP BY matches the selected expression.
        return func.date(func.date_trunc(literal_column("'week'"),
                                         func.timezone(literal_column("'Asia/Ho_Chi_Minh'"), column_)))
    return func.date(column_, literal_column("'+7 hours'"), literal_column("'-6 days'"),
                     literal_column("'weekday 1'"))


def autocommit_request() -> None:
    """Run this request's statements in autocommit mode where it saves round trips.

    On PostgreSQL a request that writes one self-contained statement (an autosave, the contest
    submit's close) needs no BEGIN and COMMIT around it: two round trips fewer. SQLite keeps its
    transaction (a single writer; nothing to save). A view that writes twice must open a
    transaction of its own.
    """
    if _name() == POSTGRESQL:
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def replace_partition(
    parent: Table,
    key_column: str,
    key: int,
    columns: Sequence[str],
    fill: Callable[[Any], int],
    primary_key: Sequence[str],
    unique: Sequence[str] = (),
) -> int:
    """Replace every row of ``parent`` whose ``key_column`` is ``key`` with what ``fill(target)``
    inserts into ``target`` (a table of ``columns``); returns ``fill``'s count.

    SQLite: delete the key's rows from ``parent`` and fill ``parent`` itself. PostgreSQL (the table
    is partitioned by list of ``key_column``): fill a new table without indexes (its ``CHECK
    (key_column = key)`` lets the attach skip its validation scan), build its primary key and
    unique index after the rows are in, analyze it, drop the key's old partition and attach the new
    one. Building an index over a million sorted rows takes a fraction of a second; inserting them
    into two B-trees row by row takes most of the time. Dropping the old partition locks the whole
    parent table until the caller commits, which should follow at once.
    """
    conn = db.session.connection()
    key = int(key)
    if _name(conn) != POSTGRESQL:
        db.session.execute(
            delete(parent).where(parent.c[key_column] == key).execution_options(synchronize_session=False)
        )
        return fill(parent)
    # Keep the sort and the index builds in memory (an external merge on disk otherwise); applies
    # to this transaction only.
    conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
    conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
    old = conn.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = CAST(:parent AS regclass) "
            "AND pg_get_expr(c.relpartbound, c.oid) = :bound"
        ),
        {"parent": parent.name, "bound": f"FOR VALUES IN ({key})"},
    ).scalars().all()
    name = f"{parent.name}_r{key}_t{conn.exec_driver_sql('SELECT txid_current()').scalar()}"
    conn.exec_driver_sql(
        f"CREATE TABLE {name} (LIKE {parent.name} INCLUDING DEFAULTS INCLUDING CONSTRAINTS, "
        f"CONSTRAINT {name}_key CHECK ({key_column} = {key}))"
    )
    written = fill(table(name, *(column(c) for c in columns)))
    constraints = [f"ADD CONSTRAINT {name}_pkey PRIMARY KEY ({', '.join(primary_key)})"]
    if unique:
        constraints.append(f"ADD CONSTRAINT {name}_unique UNIQUE ({', '.join(unique)})")
    conn.exec_driver_sql(f"ALTER TABLE {name} " + ", ".join(constraints))
    # Statistics now (~0.1 s at a million), so reads joining the rows get sound plans at once;
    # before the swap, which holds an exclusive lock on the parent until commit.
    conn.exec_driver_sql(f"ANALYZE {name}")
    for partition in old:
        conn.exec_driver_sql(f'DROP TABLE "{partition}"')
    conn.exec_driver_sql(f"ALTER TABLE {parent.name} ATTACH PARTITION {name} FOR VALUES IN ({key})")
    return written


__all__ = ["autocommit_request", "dialect_insert", "replace_partition", "week_start", "writes_in_one_statement"]
