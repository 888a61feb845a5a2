"""Database and Redis connection set-up."""
from __future__ import annotations

import logging
import select
import time
from functools import partial
from typing import Any

from flask import Flask, current_app
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError

from app.core.extensions import db

log = logging.getLogger("congdanso.db")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers run while a writer writes; the busy timeout waits instead of failing."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# A pooled connection unused for this long is pinged before it is handed out (``_check_out``).
PING_AFTER_IDLE_SECONDS = 10.0


def _checked_in(_dbapi_connection, record) -> None:
    record.info["idle_since"] = time.monotonic()


def _check_out(dialect, dbapi_connection, record, _proxy) -> None:
    """Hand out a pooled PostgreSQL connection only if it is alive, pinging it only when in doubt.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: a round trip to the database per
    request (2% of a contest submit's CPU). Here a connection is pinged when it has been idle for
    ``PING_AFTER_IDLE_SECONDS`` (a database restarted or a firewall dropped it meanwhile), or when
    the server has sent something while it sat in the pool: a server that shuts down or terminates
    a backend sends a FATAL message and closes the socket, which makes it readable. A dead
    connection raises ``DisconnectionError``, and the pool then tries a new connection, as with
    pre-ping. A connection that dies mid-request fails that request either way.
    """
    idle_since = record.info.get("idle_since")
    if idle_since is None:  # just connected
        return
    suspect = time.monotonic() - idle_since >= PING_AFTER_IDLE_SECONDS
    if not suspect:
        try:
            suspect = bool(select.select([dbapi_connection.fileno()], [], [], 0)[0])
        except (OSError, ValueError):
            suspect = True
    if suspect:
        try:
            alive = dialect.do_ping(dbapi_connection)
        except Exception:
            alive = False
        if not alive:
            raise DisconnectionError("the database closed this pooled connection")


def init_app(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)
    elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        with app.app_context():
            event.listen(db.engine, "checkin", _checked_in)
            event.listen(db.engine, "checkout", partial(_check_out, db.engine.dialect))
    app.extensions["redis"] = None
    url = app.config.get("REDIS_URL")
    if url:
        import redis

        app.extensions["redis"] = redis.Redis.from_url(url, decode_responses=True,
                                                       socket_timeout=2, socket_connect_timeout=2)


_compiled: dict[tuple[str, object], Any] = {}


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
    transaction on a connection in autocommit mode.

    Meant for a request that needs one fact and no transaction (who is asking for a public
    board). On PostgreSQL the read is a single round trip: no BEGIN before it, no ROLLBACK when
    the connection goes back to the pool, and no pre-ping when it comes out, because these
    connections come from a small pool of their own (``_read_engine``). A connection found dead
    (the database restarted) fails the statement instead; SQLAlchemy then discards the pool and
    the read is tried once more on a new connection. Under load each round trip waits for a CPU,
    so round trips, not the query, cost the time.
    """
    engine = _read_engine()
    try:
        with engine.connect() as connection:
            return connection.execute(statement, params).scalar()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    with engine.connect() as connection:  # a new connection: the old ones were invalidated
        return connection.execute(statement, params).scalar()


def _read_engine() -> Engine:
    """This app's engine for ``read_scalar``: on PostgreSQL its own small autocommit pool without
    pre-ping, created on first use in each worker; elsewhere the app's engine in autocommit."""
    engine = current_app.extensions.get("read_engine")
    if engine is None:
        if db.engine.dialect.name == "postgresql":
            engine = create_engine(
                db.engine.url, isolation_level="AUTOCOMMIT", pool_size=2, max_overflow=8,
                pool_pre_ping=False, connect_args={"application_name": "cds-read"},
            )
        else:
            engine = db.engine.execution_options(isolation_level="AUTOCOMMIT")
        current_app.extensions["read_engine"] = engine
    return engine


def get_redis():
    """The shared Redis client, or None when REDIS_URL is not set."""
    return current_app.extensions.get("redis")


# --- losing Redis ---------------------------------------------------------------------------------
# Redis holds only what can be rebuilt from SQL (live boards, cached token checks, charts) and the
# rate limits (Flask-Limiter falls back to in-process counters by itself). A worker whose Redis call
# fails calls ``redis_failed``: for REDIS_RETRY_SECONDS ``usable_redis`` answers None (callers use
# SQL, without waiting on a dead server each request), then tries again. The first success after a
# failure increments ``EPOCH_KEY``: whatever was derived into Redis before (a board missing the
# submits that could not be written meanwhile) is out of date, and its owner rebuilds it when read
# (``app.contests.boards``). A Redis restarted empty has no epoch and no markers, which reads the
# same way.
EPOCH_KEY = "cds:redis:epoch"


def _redis_health() -> dict:
    return current_app.extensions.setdefault("redis_health", {"lost": False, "retry_at": 0.0})


def redis_failed(exc: BaseException | None = None) -> None:
    """Note that Redis failed this worker: ``usable_redis`` answers None for a while."""
    state = _redis_health()
    if not state["lost"]:
        log.warning("Redis unreachable (%s): serving from SQL until it answers again",
                    type(exc).__name__ if exc else "error")
    state["lost"] = True
    state["retry_at"] = time.monotonic() + float(current_app.config.get("REDIS_RETRY_SECONDS", 5))


def usable_redis():
    """The Redis client when configured and, as far as this worker knows, reachable; else None.

    After a failure (``redis_failed``) it answers None until the retry time, then pings: on
    success it increments ``EPOCH_KEY`` (data derived while this worker could not write is stale)
    and hands out the client again."""
    client = get_redis()
    if client is None:
        return None
    state = _redis_health()
    if not state["lost"]:
        return client
    if time.monotonic() < state["retry_at"]:
        return None
    try:
        client.ping()
        client.incr(EPOCH_KEY)
    except Exception as exc:  # any Redis or socket error: still down
        redis_failed(exc)
        return None
    state["lost"] = False
    log.warning("Redis answers again: boards derived before are rebuilt on their next read")
    return client


def redis_epoch(client) -> str:
    """The current epoch (``EPOCH_KEY``; "0" before any failure or after Redis restarted empty)."""
    return client.get(EPOCH_KEY) or "0"


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


__all__ = ["EPOCH_KEY", "Engine", "database_state", "execute_compiled", "get_redis", "init_app",
           "read_scalar", "redis_epoch", "redis_failed", "redis_state", "usable_redis"]
