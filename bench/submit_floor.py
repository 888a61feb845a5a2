"""The least a contest submit can cost on this machine: a measuring tool, not part of the product.

A bare WSGI callable (no Flask, no Flask-Limiter, no SQLAlchemy engine or session: psycopg and
redis-py straight, one connection per thread, statements prepared) that does the same work as
``POST /api/v1/attempts/<id>/submit`` with the product's own pieces: the token check and attempt
load as one query (with ``tokens.valid_token()``'s conditions), the same rate-limit strategy and storage (the ``limits`` library
Flask-Limiter drives), the same grading and answer cleaning (``contest_attempts.grade`` and
``clean_answers``), the same one-statement close (``contest_attempts._close_statement``) and the
same Redis board script (``RedisBoard.record``). The statements are the product's, compiled by
SQLAlchemy once at start. What it leaves out is the framework around them: Flask's routing,
contexts and hooks, Flask-Limiter's request machinery, SQLAlchemy's session, pool and result
objects, and the product's checks of malformed input (the benchmark sends none).

``bench/contests_load.py --floor`` runs its submit phase against this instead of the product, on
the same data, to show how much of a submit's cost is the framework and how much is the work.
Every other request goes to the product (``wsgi:app``) unchanged. With
``FLOOR_EVIDENCE=off`` it writes no evidence rows (the competency record of issue 5), to show
what they cost.

    gunicorn -c gunicorn.conf.py bench.submit_floor:application
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from datetime import timedelta
from types import SimpleNamespace

import psycopg
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from psycopg.rows import namedtuple_row
from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql

from app import create_app
from app.accounts.models import ApiToken, User
from app.api.auth import valid_token
from app.competency.evidence import evidence_params
from app.contests import attempts, ranking
from app.contests.boards import RedisBoard
from app.contests.models import ContestAttempt, ContestRound
from app.core.types import utcnow

flask_app = create_app()
config = flask_app.config
dialect = postgresql.psycopg.dialect()
dsn = config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")
local = threading.local()
redis_client = flask_app.extensions["redis"]
board = RedisBoard(redis_client)
rate = FixedWindowRateLimiter(storage_from_string(config["RATELIMIT_STORAGE_URI"]))
submit_limit = parse(config.get("CONTEST_SUBMIT_LIMIT", "30 per minute"))

A, R = ContestAttempt, ContestRound
LOAD = (
    select(
        A.id, A.user_id, A.round_id, A.status, A.questions, A.answers, A.started_at, A.deadline,
        R.id.label("r_id"), R.contest_id, R.opens_at, R.grace_seconds, R.criteria,
    )
    .join(R, R.id == A.round_id)
    .join(ApiToken, ApiToken.user_id == A.user_id)
    .join(User, User.id == ApiToken.user_id)
    .where(A.id == bindparam("attempt_id"), *valid_token())
)


def _compile(statement):
    """SQL text and a function from parameters to psycopg's, as SQLAlchemy would pass them."""
    compiled = statement.compile(dialect=dialect)
    processors = compiled._bind_processors

    def params(values: dict) -> dict:
        out = compiled.construct_params(values)
        for name, process in processors.items():
            if name in out and out[name] is not None:
                out[name] = process(out[name])
        return out

    return compiled.string, params


LOAD_SQL, load_params = _compile(LOAD)
EVIDENCE = os.environ.get("FLOOR_EVIDENCE", "on") != "off"
PATH = re.compile(r"^/api/v1/attempts/(\d+)/submit$")
_closes: dict = {}
_lock = threading.Lock()


def _reply(start_response, status: str, data: dict):
    body = json.dumps(data).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def application(environ, start_response):
    match = PATH.match(environ.get("PATH_INFO", ""))
    if environ["REQUEST_METHOD"] != "POST" or match is None:
        return flask_app(environ, start_response)  # everything else is the product
    header = environ.get("HTTP_AUTHORIZATION", "")
    if not header.startswith("Bearer "):
        return _reply(start_response, "401 UNAUTHORIZED", {"error": "token"})
    digest = hashlib.sha256(header[7:].strip().encode()).hexdigest()
    length = int(environ.get("CONTENT_LENGTH") or 0)
    data = json.loads(environ["wsgi.input"].read(length) or b"{}")
    now = utcnow()
    connection = getattr(local, "connection", None)
    if connection is None:
        connection = local.connection = psycopg.connect(dsn, autocommit=True, row_factory=namedtuple_row)
    with connection.cursor() as cursor:
        row = cursor.execute(
            LOAD_SQL, load_params({"attempt_id": int(match.group(1)), "token_digest": digest, "token_now": now}),
            prepare=True,
        ).fetchone()
        if row is None:
            return _reply(start_response, "404 NOT FOUND", {"error": "unknown attempt"})
        if not rate.hit(submit_limit, "floor", f"user:{row.user_id}"):
            return _reply(start_response, "429 TOO MANY REQUESTS", {"error": "slow down"})
        round_ = SimpleNamespace(
            id=row.r_id, contest_id=row.contest_id, opens_at=row.opens_at,
            grace_seconds=row.grace_seconds, criteria=row.criteria,
        )
        attempt = SimpleNamespace(questions=row.questions, round=round_)
        if row.status != "open":
            return _reply(start_response, "200 OK", {"id": row.id, "status": row.status})
        if now > row.deadline + timedelta(seconds=round_.grace_seconds):
            return _reply(start_response, "409 CONFLICT", {"error": "late"})
        answers = {**row.answers, **attempts.clean_answers(attempt, data.get("answers") or {})}
        score, results = attempts.grade(attempt, answers)
        duration = max(int((now - row.started_at).total_seconds() * 1000), 0)
        live = tuple(ranking.live_criteria(round_.criteria))
        params = {
            **evidence_params(
                row.user_id,
                [(f"question:{q.id}", q.competence_code, ok, float(q.difficulty)) for q, ok in results]
                if EVIDENCE
                else [],
                "contest",
                now,
            ),
            "status": "submitted", "answers": answers, "score": score, "submitted_at": now,
            "duration_ms": duration, "submitted_day": now.astimezone(attempts.TZ).date(),
            "prediction": data.get("prediction"), "attempt_id": row.id, "round_id": round_.id,
            "contest_id": round_.contest_id, "all_correct": score == len(results),
            "submitted_s": int((now - round_.opens_at).total_seconds()),
        }
        close = _closes.get(live)
        if close is None:
            with _lock:
                close = _closes[live] = _compile(attempts._close_statement("postgresql", live))
        result = cursor.execute(close[0], close[1](params), prepare=True).fetchone()
    if result is not None and result.user_id is not None and not result.voided:
        board.record(round_, result)
    return _reply(
        start_response, "200 OK",
        {"id": row.id, "status": "submitted", "score": score, "questions": len(results), "duration_ms": duration},
    )
