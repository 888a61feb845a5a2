"""Contest endpoints of the JSON API. The answer key is never sent.

Each view is described by ``@documented`` with the models of ``api_schemas`` (the OpenAPI
document, ``/api/v1/openapi.json``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import current_app, g, jsonify, request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from app.accounts.models import ApiToken, User
from app.api import bp
from app.api.auth import bearer_digest, token_params, token_required, token_user_id, valid_token
from app.api.openapi import documented
from app.competency import indicators
from app.contests import attempts, boards, integrity
from app.contests import service as contest_service
from app.contests.models import ContestAttempt, ContestRound
from app.contests.routes.api_schemas import (
    AnswersIn,
    AttemptOut,
    AttemptRefusal,
    ContestDetail,
    ContestList,
    Leaderboard,
    LeaderboardQuery,
    LocalityBoard,
    LocalityBoardQuery,
    Saved,
    SubmitRefusal,
    SubmitResult,
)
from app.core.dialect import autocommit_request
from app.core.errors import api_error
from app.core.extensions import db, limiter
from app.core.types import utcnow
from app.core.urls import MAX_INT32
from app.localities.service import distinct_labels, get_by_code

SLUG = "The contest's slug (from `GET /contests`)."
NUMBER = "The round's number (from `GET /contests/{slug}`)."
ATTEMPT_ID = "The attempt's id (from starting it)."


def _user_key() -> str:
    user_id = token_user_id()
    return f"user:{user_id}" if user_id else (request.remote_addr or "?")


def _round_json(r) -> dict:
    return {
        "number": r.number,
        "title": r.title,
        "opens_at": r.opens_at.isoformat(),
        "closes_at": r.closes_at.isoformat(),
        "questions": r.question_count,
        "time_limit_seconds": r.time_limit_seconds,
        "attempts_allowed": r.attempts_allowed,
        "prediction": r.prediction_enabled,
        "criteria": r.criteria,
        "finalized": r.finalized_at is not None,
    }


def _contest_json(c, rounds: bool = False) -> dict:
    data = {"slug": c.slug, "title": c.title, "groups": c.groups, "eligibility": c.eligibility.code}
    if rounds:
        data.update(rules=c.rules, rounds=[_round_json(r) for r in c.rounds])
    return data


def _lookup(slug: str, number: int | None = None, board: bool = False):
    """The published contest and its round ``number``; ``board`` = a public board read, which may
    use the worker's short-lived copy of the round (``contests.board_round``)."""
    if number is not None:  # the round with its contest in one query
        find = contest_service.board_round if board else contest_service.get_round_by_slug
        round_ = find(slug[:80], number)
        if round_ is None or not round_.contest.published:
            return None, None
        return round_.contest, round_
    contest = contest_service.get_contest(slug[:80])
    if contest is None or not contest.published:
        return None, None
    return contest, None


def _attempt_json(attempt: ContestAttempt) -> dict:
    return {
        "id": attempt.id,
        "status": attempt.status,
        "number": attempt.number,
        "started_at": attempt.started_at.isoformat(),
        "deadline": attempt.deadline.isoformat(),
        "questions": [
            {"id": q["id"], "text": q["text"], "multiple": q["multiple"], "options": q["options"]}
            for q in attempts.attempt_questions(attempt)
        ],
        "answers": attempts.shown_answers(attempt),
    }


@bp.get("/contests")
@documented(tag="contests", operation_id="listContests", responses={200: ContestList})
def api_contests():
    """Published contests, newest first."""
    return jsonify({"contests": [_contest_json(c) for c in contest_service.public_contests()]})


@bp.get("/contests/<slug>")
@documented(tag="contests", operation_id="getContest", parameters={"slug": SLUG}, responses={
    200: ContestDetail, 404: "No published contest has this slug."})
def api_contest(slug: str):
    """A published contest with its rules and rounds."""
    contest, _r = _lookup(slug)
    if contest is None:
        return api_error(404, "Unknown contest.")
    return jsonify(_contest_json(contest, rounds=True))


@bp.post("/contests/<slug>/rounds/<int32:number>/attempts")
@documented(
    tag="attempts", operation_id="startAttempt", auth="bearer", limited=True,
    parameters={"slug": SLUG, "number": NUMBER},
    responses={
        201: AttemptOut,
        400: (AttemptRefusal, "`closed`: the round is not open; `empty`: it has no questions yet."),
        403: (AttemptRefusal, "`not_registered`: register for the contest on the website first."),
        404: "Unknown contest or round.",
        409: (AttemptRefusal, "`limit`: every attempt allowed is used; `voided`: the person's results were voided."),
    },
)
@token_required
@limiter.limit(lambda: current_app.config.get("CONTEST_START_LIMIT", "10 per minute"), key_func=_user_key)
def api_start(slug: str, number: int):
    """Start an attempt, or resume the one in progress (same id and deadline).

    The questions come without their answer key, options in the attempt's own order. Rate-limited
    per person (`CONTEST_START_LIMIT`, default 10 per minute)."""
    contest, round_ = _lookup(slug, number)
    if round_ is None:
        return api_error(404, "Unknown contest or round.")
    user_id = token_user_id()
    if user_id is None:  # token_required has checked it; keeps the type checker informed
        return api_error(401, "A valid bearer token is required.")
    try:
        attempt = attempts.start_attempt(round_, user_id)
    except attempts.AttemptError as exc:
        db.session.commit()
        return api_error(
            409 if exc.code in ("limit", "voided") else 403 if exc.code == "not_registered" else 400,
            str(exc),
            code=exc.code,
        )
    integrity.record_start(attempt, request.remote_addr, request.user_agent.string)
    data = _attempt_json(attempt)  # before the commit, which would expire the attempt
    db.session.commit()
    return jsonify(data), 201


# The caller's attempt with what saving and submitting read of its round (not its contest, nor the
# contest's area: no more joins; any other attribute would load when read) and the token check,
# built once per process.
_OWN_ATTEMPT = (
    select(ContestAttempt)
    .options(
        joinedload(ContestAttempt.round)
        .load_only(
            ContestRound.contest_id, ContestRound.opens_at, ContestRound.closes_at,
            ContestRound.grace_seconds, ContestRound.criteria,
        )
        .lazyload(ContestRound.contest)
    )
    .join(ApiToken, ApiToken.user_id == ContestAttempt.user_id)
    .join(User, User.id == ApiToken.user_id)
    .where(ContestAttempt.id == bindparam("attempt_id"), *valid_token())
)


def attempt_owner(view: Callable) -> Callable:
    """Attempt endpoints: the caller's attempt (with its round) and the bearer-token check in one
    query, then ``view(attempt)``; 401 JSON without a valid token, and ``view(None)`` for an
    unknown attempt or another's (the view answers 404 after its rate limit has counted it).

    The token conditions are ``tokens.valid_token``, the same as every other API call; only when
    no attempt comes back is the token checked alone, to tell the two cases apart.

    On PostgreSQL the request's connection runs in autocommit: what these endpoints write is one
    statement each (the autosave's UPDATE; the close of ``contest_attempts.close_attempt``, which
    is atomic on its own), so a transaction around them would add only its BEGIN and COMMIT, two
    round trips to the database per submit. A view that came to write twice here would have to
    open a transaction of its own.
    """

    @wraps(view)
    def wrapped(attempt_id: int):
        autocommit_request()
        digest = bearer_digest()
        attempt = None
        if digest is not None:
            attempt = db.session.scalar(_OWN_ATTEMPT, {"attempt_id": attempt_id, **token_params(digest)})
        if attempt is None:
            if token_user_id() is None:
                return api_error(401, "A valid bearer token is required.")
        else:
            g.api_user_id = attempt.user_id
        return view(attempt)

    return wrapped


def _answers_payload() -> tuple[dict | None, int | None, str | None]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("answers", {}), dict):
        return None, None, 'Send JSON {"answers": {"<question id>": [option values]}, "prediction": n}.'
    prediction = data.get("prediction")
    if prediction is not None and (
        not isinstance(prediction, int) or isinstance(prediction, bool) or prediction < 0
    ):
        return None, None, "prediction must be a whole number of at least 0."
    return data.get("answers", {}), prediction, None


@bp.put("/attempts/<int32:attempt_id>/answers")
@documented(
    tag="attempts", operation_id="saveAnswers", auth="bearer", body=AnswersIn,
    parameters={"attempt_id": ATTEMPT_ID},
    responses={
        200: Saved,
        400: "The body is not `{\"answers\": {...}, \"prediction\": n}`.",
        404: "No attempt of the caller has this id.",
        409: (AttemptRefusal, "`closed`: the attempt is closed; `late`: its time is up (it is now closed)."),
    },
)
@attempt_owner
def api_save(attempt: ContestAttempt | None):
    """Autosave answers (and the prediction) of an attempt in progress."""
    if attempt is None:
        return api_error(404, "Unknown attempt.")
    answers, prediction, error = _answers_payload()
    if error is not None or answers is None:
        return api_error(400, error or "")
    try:
        attempts.save_answers(attempt, answers, prediction=prediction)
    except attempts.AttemptError as exc:
        db.session.commit()
        return api_error(409, str(exc), code=exc.code)
    db.session.commit()
    return jsonify({"saved": True, "answers": attempts.shown_answers(attempt)})


@bp.post("/attempts/<int32:attempt_id>/submit")
@documented(
    tag="attempts", operation_id="submitAttempt", auth="bearer", body=AnswersIn, limited=True,
    parameters={"attempt_id": ATTEMPT_ID},
    responses={
        200: SubmitResult,
        400: (SubmitRefusal, "The body is not `{\"answers\": {...}, \"prediction\": n}`, or `prediction`: "
                             "the prediction is out of range."),
        404: "No attempt of the caller has this id.",
        409: (SubmitRefusal, "`late`: after the deadline plus the round's grace; the attempt is now closed as "
                             "`expired`, graded with what was saved."),
    },
)
@attempt_owner
@limiter.limit(lambda: current_app.config.get("CONTEST_SUBMIT_LIMIT", "30 per minute"), key_func=_user_key)
def api_submit(attempt: ContestAttempt | None):
    """Submit an attempt: the server grades it and closes it.

    The same body as autosaving; submitting again returns the same result (counted once). Timing
    is the server's. Rate-limited per person (`CONTEST_SUBMIT_LIMIT`, default 30 per minute)."""
    # The product's hottest endpoint: the body is checked by hand (_answers_payload) in the shape
    # of AnswersIn, not by a schema layer (measured in docs/api.md).
    if attempt is None:
        return api_error(404, "Unknown attempt.")
    answers, prediction, error = _answers_payload()
    if error:
        return api_error(400, error)
    try:
        integrity.record_submit(attempt, request.remote_addr, request.user_agent.string, None)
        attempts.submit_attempt(attempt, answers, prediction)
    except attempts.AttemptError as exc:
        data = {"code": exc.code, "status_after": attempt.status, "score": attempt.score}
        db.session.commit()
        return api_error(409 if exc.code == "late" else 400, str(exc), **data)
    data = {
        "id": attempt.id,
        "status": attempt.status,
        "score": attempt.score,
        "questions": len(attempt.questions),
        "duration_ms": attempt.duration_ms,
    }
    db.session.commit()
    return jsonify(data)


@bp.get("/contests/<slug>/rounds/<int32:number>/leaderboard")
@documented(
    tag="boards", operation_id="getLeaderboard", auth="optional", query=LeaderboardQuery,
    parameters={"slug": SLUG, "number": NUMBER},
    responses={
        200: Leaderboard,
        400: "A bad `group`, `limit`, `offset` or `locality`.",
        404: "Unknown contest or round.",
    },
)
def api_leaderboard(slug: str, number: int):
    """A page of a round's board, with the caller's own rank when a bearer token comes with it.

    Names are masked. Before the round is finalized the ranking is live (every criterion but the
    prediction); after, it is the frozen final ranking. With `locality` the board is that subtree
    and ranks are positions within it."""
    contest, round_ = _lookup(slug, number, board=True)
    if round_ is None:
        return api_error(404, "Unknown contest or round.")
    grp = request.args.get("group") or contest.groups[0]
    if grp not in contest.groups:
        return api_error(400, "group must be one of: " + ", ".join(contest.groups))
    try:
        limit = int(request.args.get("limit", 50))
        offset = int(request.args.get("offset", 0))
    except ValueError:
        return api_error(400, "limit and offset must be whole numbers.")
    if not 1 <= limit <= 200 or not 0 <= offset <= MAX_INT32:
        return api_error(400, f"limit must be 1–200 and offset 0–{MAX_INT32}.")
    locality = None
    if request.args.get("locality"):
        locality = get_by_code(request.args["locality"][:20])
        if locality is None:
            return api_error(400, "Unknown locality code.")
    user_id = token_user_id(for_read=True)
    entries, total, own = boards.board_page(round_, grp, offset, limit, locality, viewer=user_id)
    data = {
        "group": grp,
        "final": round_.finalized_at is not None,
        "total": total,
        "offset": offset,
        "entries": [
            {
                "rank": e.rank,
                "name": e.name,
                "locality": e.locality,
                "score": e.score,
                "duration_ms": e.duration_ms,
                "prize": e.prize,
                **(_tie_breaks(e, round_) if round_.finalized_at is not None else {}),
            }
            for e in entries
        ],
    }
    if round_.finalized_at is not None:
        data["all_correct_count"] = round_.all_correct_count
    if user_id is not None:
        data["me"] = {"rank": own}
    return jsonify(data)


def _tie_breaks(entry, round_) -> dict:
    """A final board entry's tie-break values, so that anyone can check the ranking (issue 15)."""
    return {
        "prediction": entry.prediction,
        "prediction_error": entry.prediction_error(round_.all_correct_count),
        "submitted_at": entry.submitted_at(round_.opens_at).isoformat(),
    }


@bp.get("/contests/<slug>/rounds/<int32:number>/localities")
@documented(
    tag="boards", operation_id="getLocalityBoard", query=LocalityBoardQuery,
    parameters={"slug": SLUG, "number": NUMBER},
    responses={
        200: LocalityBoard,
        400: "`parent` is not a locality code inside the contest's area.",
        404: "Unknown contest or round.",
    },
)
def api_localities(slug: str, number: int):
    """Participants of a round per unit directly under `parent` (the contest's area by default)."""
    contest, round_ = _lookup(slug, number, board=True)
    if round_ is None:
        return api_error(404, "Unknown contest or round.")
    parent = get_by_code(request.args["parent"][:20]) if request.args.get("parent") else contest.eligibility
    if parent is None or not parent.path.startswith(contest.eligibility.path):
        return api_error(400, "parent must be a locality code inside the contest's area.")
    rows = boards.locality_board(round_, parent)
    share = indicators.get("round_participation_headcount")
    names = distinct_labels([{"id": r["locality"].id, "code": r["locality"].code, "type": r["locality"].type,
                              "name": r["locality"].name} for r in rows])
    return jsonify(
        {
            "parent": parent.code,
            "at": utcnow().isoformat(),
            "localities": [
                {
                    "code": r["locality"].code,
                    "name": names[r["locality"].id],
                    "participants": r["participants"],
                    "headcount": r["headcount"],
                    "rate": r["rate"],
                    "participation": share.measure(
                        {"participants": r["participants"], "headcount": r["headcount"]}).as_dict(),
                    "average_score": r["avg_score"],
                }
                for r in rows
            ],
        }
    )
