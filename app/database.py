"""Database and Redis connection set-up."""
from __future__ import annotations

import logging

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.extensions import db

log = logging.getLogger("congdanso.db")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers run while a writer writes; the busy timeout waits instead of failing."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_app(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)
    app.extensions["redis"] = None
    url = app.config.get("REDIS_URL")
    if url:
        import redis

        app.extensions["redis"] = redis.Redis.from_url(url, decode_responses=True,
                                                       socket_timeout=2, socket_connect_timeout=2)


_compiled: dict[tuple[str, object], object] = {}


def dialect_insert(dialect: str):
    """The ``insert`` of PostgreSQL or SQLite, the two with ``ON CONFLICT`` (upserts)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def execute_compiled(key: object, build, params, column_keys: list[str] | None = None):
    """Execute a statement that SQLAlchemy cannot cache, compiled once per process and dialect.

    The dialects' ``INSERT ... ON CONFLICT`` constructs have no cache key, so SQLAlchemy would
    compile them again on every execution (~2 ms each on the contest submit path). ``build(dialect
    name)`` returns the statement; its compiled form is kept under ``key`` and executed in the
    session's transaction with ``params`` (a dict, or a list of dicts for executemany);
    ``column_keys`` names the columns an INSERT ... VALUES is given.
    """
    connection = db.session.connection()
    cache_key = (connection.dialect.name, key)
    compiled = _compiled.get(cache_key)
    if compiled is None:
        compiled = _compiled[cache_key] = build(connection.dialect.name).compile(
            dialect=connection.dialect, column_keys=column_keys, for_executemany=isinstance(params, list)
        )
    return connection.execute(compiled, params)


def read_scalar(statement, params: dict):
    """The first column of the first row of one narrow read, run outside the request's
    transaction on a connection of its own in autocommit mode.

    The read is then a single statement: no BEGIN before it and no ROLLBACK when the connection
    goes back to the pool, two round trips fewer than the same read in the session. Meant for a
    request that needs one fact and no transaction (who is asking for a public board); under load
    each round trip to PostgreSQL waits for the CPU, so round trips, not the query, cost the time.
    """
    engine = db.engine
    autocommit = _autocommit.get(engine)
    if autocommit is None:
        autocommit = _autocommit[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    with autocommit.connect() as connection:
        return connection.execute(statement, params).scalar()


_autocommit: dict[Engine, Engine] = {}


def get_redis():
    """The shared Redis client, or None when REDIS_URL is not set."""
    return current_app.extensions.get("redis")


def database_state() -> dict:
    """Health of the database: ``{"ok": bool, "backend": name}``."""
    try:
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        return {"ok": True, "backend": db.engine.dialect.name}
    except Exception as exc:  # any failure means unhealthy
        log.warning("database health check failed: %s", exc)
        return {"ok": False, "backend": db.engine.dialect.name, "error": type(exc).__name__}


def redis_state() -> dict | None:
    client = get_redis()
    if client is None:
        return None
    try:
        client.ping()
        return {"ok": True}
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}


__all__ = ["Engine", "database_state", "dialect_insert", "execute_compiled", "get_redis", "init_app", "read_scalar", "redis_state"]
