"""Taking a round or practising: start (or resume), autosave, submit, grade, expire, review.

Timing is the server's alone: ``started_at`` and ``deadline`` are stored at start; a submit that
arrives after ``deadline + grace_seconds`` is refused and the attempt closes as expired, graded with
what was saved (its duration counts as the whole time limit). The answer key never leaves the
server while a round is open (``attempt_questions`` hides it unless ``reveal``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NamedTuple

from flask_babel import gettext as _
from sqlalchemy import Boolean, DateTime, Integer, and_, bindparam, exists, null, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from app.competency.evidence import evidence_params, upsert_rows, write_evidence
from app.contests import banks as bank_service
from app.contests import ranking
from app.contests.boards import get_board, tally_source, tally_upsert
from app.contests.models import ContestAttempt, ContestBestResult, ContestEntry, ContestRound, Question
from app.core.database import dialect_insert, execute_compiled
from app.core.extensions import db
from app.core.types import TZ, utcnow
from app.learn.models import MediaFile
from app.localities.models import Locality

PRACTICE_MINUTES = 60


class AttemptError(ValueError):
    """A rule about attempts was broken; the message is shown to the person."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.code = code


def open_attempt(round_: ContestRound, user_id: int) -> ContestAttempt | None:
    """The person's attempt in progress in ``round_``, if any."""
    return db.session.scalar(
        select(ContestAttempt).where(
            ContestAttempt.round_id == round_.id,
            ContestAttempt.user_id == user_id,
            ContestAttempt.status == "open",
        )
    )


def start_attempt(round_: ContestRound, user_id: int, now: datetime | None = None) -> ContestAttempt:
    """Start an attempt (or return the one in progress, same clock); raises AttemptError.

    The next attempt number is ``used + 1`` and must not exceed ``attempts_allowed``; two
    concurrent starts compute the same number and the unique constraint lets only one insert.
    """
    now = now or utcnow()
    if not round_.is_open(now):
        raise AttemptError(_("This round is not open."), "closed")
    # The registration and every attempt of the person in the round, in one query.
    rows = db.session.execute(
        select(ContestEntry.voided_at, ContestAttempt)
        .outerjoin(
            ContestAttempt,
            and_(ContestAttempt.round_id == round_.id, ContestAttempt.user_id == ContestEntry.user_id),
        )
        .where(ContestEntry.contest_id == round_.contest_id, ContestEntry.user_id == user_id)
    ).all()
    if not rows:
        raise AttemptError(_("Register for the contest first."), "not_registered")
    if rows[0].voided_at is not None:
        raise AttemptError(_("Your results in this contest were voided."), "voided")
    mine = [row.ContestAttempt for row in rows if row.ContestAttempt is not None]
    current = next((a for a in mine if a.status == "open"), None)
    if current is not None:
        if now <= current.deadline + timedelta(seconds=round_.grace_seconds):
            return current
        expire_attempt(current, now)
    used = len(mine)
    if used >= round_.attempts_allowed:
        raise AttemptError(_("You have used every attempt allowed in this round."), "limit")
    pool = bank_service.question_pool(round_.draw.get("banks", []), round_.draw.get("tags"))
    draw = _with_keys(bank_service.draw_questions(pool, round_.draw.get("mix"), round_.question_count), pool)
    if not draw:
        raise AttemptError(_("This round has no questions yet."), "empty")
    deadline = min(now + timedelta(seconds=round_.time_limit_seconds), round_.closes_at)
    attempt = ContestAttempt(
        round_id=round_.id,
        user_id=user_id,
        number=used + 1,
        status="open",
        started_at=now,
        deadline=deadline,
        questions=draw,
        answers={},
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:
        # Another request started this attempt number first: resume it or refuse.
        current = open_attempt(round_, user_id)
        if current is not None:
            return current
        raise AttemptError(_("You have used every attempt allowed in this round."), "limit") from None
    return attempt


def _with_keys(draw: list[dict], pool) -> list[dict]:
    """Freeze what grading needs into each drawn item: ``key`` (the right option indexes), ``code``
    (competence) and ``difficulty``. Grading then reads no question rows, and a question edited
    mid-round does not change how an attempt already started is graded. Never sent to a browser."""
    by_id = {q.id: q for q in pool}
    for item in draw:
        q = by_id[item["id"]]
        item.update(key=list(q.correct), code=q.competence_code, difficulty=q.difficulty)
    return draw


def start_practice(
    user_id: int, bank_slugs: list[str], count: int = 10, now: datetime | None = None
) -> ContestAttempt:
    """An unranked practice attempt drawn from ``bank_slugs`` (no limit on how many)."""
    now = now or utcnow()
    pool = bank_service.question_pool(bank_slugs)
    draw = _with_keys(bank_service.draw_questions(pool, None, max(1, min(count, 40))), pool)
    if not draw:
        raise AttemptError(_("There are no questions to practise yet."), "empty")
    attempt = ContestAttempt(
        round_id=None,
        user_id=user_id,
        number=1,
        status="open",
        started_at=now,
        deadline=now + timedelta(minutes=PRACTICE_MINUTES),
        questions=draw,
        answers={},
        practice_banks=bank_slugs,
    )
    db.session.add(attempt)
    db.session.flush()
    return attempt


def _questions(attempt: ContestAttempt) -> dict[int, Any]:
    """The attempt's questions as rows of what a page shows (no ORM objects, no bank)."""
    ids = [item["id"] for item in attempt.questions]
    query = select(Question.id, Question.text, Question.options, Question.correct, Question.explanation,
                   MediaFile.token.label("image")).outerjoin(MediaFile, MediaFile.id == Question.image_id)
    return {q.id: q for q in db.session.execute(query.where(Question.id.in_(ids)))}


def attempt_questions(attempt: ContestAttempt, reveal: bool = False) -> list[dict]:
    """The drawn questions in stored order with options in stored order.

    Options are ``{"value": original index, "text": ...}``; ``correct`` and ``explanation`` are
    included only when ``reveal`` is true (practice feedback, review after the round closes).
    """
    questions = _questions(attempt)
    out = []
    for number, item in enumerate(attempt.questions, start=1):
        q = questions[item["id"]]
        key = item.get("key", q.correct)  # the key the attempt is graded with
        chosen = attempt.answers.get(str(q.id), [])
        entry = {
            "id": q.id,
            "number": number,
            "text": q.text,
            "image": q.image,  # the token of the question's image (app.learn.media), or None
            "multiple": len(key) > 1,
            "options": [{"value": i, "text": q.options[i]} for i in item["order"]],
            "chosen": chosen,
        }
        if reveal:
            entry.update(
                correct=list(key),
                explanation=q.explanation,
                is_correct=sorted(chosen) == sorted(key),
            )
        out.append(entry)
    return out


def clean_answers(attempt: ContestAttempt, raw: dict) -> dict[str, list[int]]:
    """Keep only answers to the attempt's questions with option indexes that exist."""
    sizes = {str(item["id"]): len(item["order"]) for item in attempt.questions}
    out = {}
    for key, values in (raw or {}).items():
        key = str(key)
        if key not in sizes:
            continue
        if not isinstance(values, list):
            values = [values]
        # Option numbers come as JSON ints or decimal strings; ``isdigit`` alone would let through
        # superscripts such as "²", which ``int()`` refuses, and the length check stops the
        # 4,300+ digit strings ``int()`` refuses too. One comprehension: this is the submit path.
        size = sizes[key]
        out[key] = sorted({int(v) for v in values
                           if (type(v) is int or (type(v) is str and len(v) < 10 and v.isdecimal()))
                           and 0 <= int(v) < size})
    return out


def _within_time(attempt: ContestAttempt, now: datetime) -> bool:
    grace = attempt.round.grace_seconds if attempt.round else 0
    return now <= attempt.deadline + timedelta(seconds=grace)


def save_answers(
    attempt: ContestAttempt, raw: dict, now: datetime | None = None, prediction: int | None = None
) -> None:
    """Autosave: merge answers into an open attempt still within its time; raises AttemptError."""
    now = now or utcnow()
    if attempt.status != "open":
        raise AttemptError(_("This attempt is already closed."), "closed")
    if not _within_time(attempt, now):
        expire_attempt(attempt, now)
        raise AttemptError(_("Time is up: your saved answers were kept."), "late")
    merged = {**attempt.answers, **clean_answers(attempt, raw)}
    values: dict[str, Any] = {"answers": merged}
    if prediction is not None and 0 <= prediction <= 10_000_000:
        values["prediction"] = prediction
    db.session.execute(
        update(ContestAttempt)
        .where(ContestAttempt.id == attempt.id, ContestAttempt.status == "open")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(attempt)


class _Key(NamedTuple):
    id: int
    correct: list[int]
    competence_code: str
    difficulty: int


def _keys(attempt: ContestAttempt) -> dict[int, _Key]:
    """What grading needs of the attempt's questions: frozen in the draw at start; attempts started
    before keys were frozen read them in one narrow SELECT (no text, no bank)."""
    items = attempt.questions
    if all("key" in item for item in items):
        return {
            item["id"]: _Key(item["id"], item["key"], item["code"], item["difficulty"]) for item in items
        }
    ids = [item["id"] for item in items]
    rows = db.session.execute(
        select(Question.id, Question.correct, Question.competence_code, Question.difficulty).where(
            Question.id.in_(ids)
        )
    ).all()
    return {row.id: _Key(*row) for row in rows}


def grade(attempt: ContestAttempt, answers: dict[str, list[int]]) -> tuple[int, list[tuple[_Key, bool]]]:
    """Number of questions answered exactly right, and per question whether it was (each question
    as a ``_Key`` with ``id``, ``correct``, ``competence_code`` and ``difficulty``)."""
    questions = _keys(attempt)
    results = []
    for item in attempt.questions:
        q = questions[item["id"]]
        results.append((q, sorted(answers.get(str(q.id), [])) == sorted(q.correct)))
    return sum(ok for _q, ok in results), results


# Built once per process (statements with bound parameters; the compiled form is cached too).
_CLOSE = (
    update(ContestAttempt)
    .where(ContestAttempt.id == bindparam("attempt_id"), ContestAttempt.status == "open")
    .values({name: bindparam(name) for name in (
        "status", "answers", "score", "submitted_at", "duration_ms", "submitted_day", "prediction"
    )})
)


def close_attempt(
    attempt: ContestAttempt,
    answers: dict,
    status: str,
    at: datetime,
    duration_ms: int,
    prediction: int | None,
) -> bool:
    """Close an open attempt exactly once (``UPDATE ... WHERE status = 'open'``) and record what
    it shows, in the session's transaction; False when it was already closed (nothing written).

    What a close writes: the attempt's grade; one evidence row per question (``evidence``); for a
    contest round the participant's best result, if this one ranks ahead (``_best_upsert``), and
    the locality tallies (``contest_boards.tally_upsert``); then the live board. On PostgreSQL all
    of it is ONE statement (``_close_statement``: each part a data-modifying CTE, the later ones
    gated on the attempt having been closed by this statement), one round trip to the database
    per submit; on SQLite the same statements run one after another.
    """
    score, results = grade(attempt, answers)
    values = {
        "status": status,
        "answers": answers,
        "score": score,
        "submitted_at": at,
        "duration_ms": duration_ms,
        "submitted_day": at.astimezone(TZ).date(),
        "prediction": prediction,
    }
    source = "contest" if attempt.round_id else "practice"
    observed = evidence_params(
        attempt.user_id,
        [(f"question:{q.id}", q.competence_code, ok, float(q.difficulty)) for q, ok in results],
        source,
        at,
    )
    round_ = attempt.round
    params = {**observed, **values, "attempt_id": attempt.id}
    live = None
    if round_ is not None:
        live = tuple(ranking.live_criteria(round_.criteria))
        params.update(
            round_id=round_.id,
            contest_id=round_.contest_id,
            all_correct=score == len(results),
            submitted_s=int((at - round_.opens_at).total_seconds()),
        )
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        row = execute_compiled(
            ("close", live), lambda dialect: _close_statement(dialect, live), params
        ).first()
        closed = row is not None
        best = row if row is not None and row.user_id is not None else None
    else:
        closed = connection.execute(_CLOSE, params).rowcount == 1
        best = None
        if closed:
            write_evidence(observed)
            if live is not None:
                best = execute_compiled(
                    ("best-upsert", live), lambda dialect: _best_upsert(dialect, live), params
                ).first()
                if best is not None:
                    execute_compiled(
                        "locality-tally", lambda dialect: tally_upsert(dialect, tally_source()),
                        {**best._asdict(), "round_id": attempt.round_id},
                    )
    if not closed:
        db.session.refresh(attempt)
        return False
    for key, value in values.items():
        set_committed_value(attempt, key, value)
    if round_ is not None and best is not None and not best.voided:
        get_board().record(round_, best)
    return True


def _close_statement(dialect: str, live: tuple[str, ...] | None):
    """PostgreSQL: the whole close as one statement (compiled once per process)::

        WITH closed AS (UPDATE contest_attempts ... WHERE id = :attempt_id AND status = 'open'
                        RETURNING id),
             observed AS (INSERT INTO evidence ... WHERE EXISTS (SELECT FROM closed) ...),
             best AS (INSERT INTO contest_best_results ... WHERE EXISTS (SELECT FROM closed)
                      ON CONFLICT ... DO UPDATE ... WHERE <ranks ahead> RETURNING ...),
             tally AS (INSERT INTO contest_locality_tallies ... SELECT ... FROM best ...)
        SELECT closed.id, best.* FROM closed LEFT JOIN best ON true

    No row: the attempt was already closed and nothing was written. Concurrent submits of one
    attempt serialize on its row lock in ``closed``; the later one finds it closed. Every part is
    the same builder the SQLite path runs on its own (``_CLOSE``, ``evidence.upsert_rows``,
    ``_best_upsert``, ``contest_boards.tally_upsert``); ``live`` is None for practice (no best
    result)."""
    closed = _CLOSE.returning(ContestAttempt.id).cte("closed")
    gate = exists(select(closed.c.id))
    parts = [upsert_rows(dialect, gate).cte("observed")]
    if live is None:
        return select(closed.c.id, null().label("user_id")).add_cte(*parts)
    best = _best_upsert(dialect, live, gate).cte("best")
    parts.append(tally_upsert(dialect, best).cte("tally"))
    return (
        select(closed.c.id.label("closed_id"), *best.c)
        .select_from(closed.outerjoin(best, true()))
        .add_cte(*parts)
    )


def _best_upsert(dialect: str, live: tuple[str, ...], gate=None):
    """Keep the participant's best result of the round: ``INSERT ... SELECT`` (the participant's
    group, locality and unit from the entry) ``ON CONFLICT (round_id, user_id) DO UPDATE ...
    WHERE`` the new result ranks strictly ahead on the ``live`` criteria, ``RETURNING`` the row
    only when it was written, with the score it replaced (``previous_score``, NULL for a new
    participant) for the tallies. Concurrent submits of one person serialize on the row; the
    better one stays. With ``gate`` (a SQL condition) only when it holds."""
    R = ContestBestResult
    source = (
        select(
            bindparam("round_id", type_=Integer),
            ContestEntry.user_id,
            ContestEntry.id,
            bindparam("attempt_id", type_=Integer),
            ContestEntry.grp,
            ContestEntry.locality_id,
            Locality.path,
            ContestEntry.workplace_unit_id,
            bindparam("score", type_=Integer),
            bindparam("all_correct", type_=Boolean),
            bindparam("duration_ms", type_=Integer),
            bindparam("submitted_s", type_=Integer),
            bindparam("submitted_at", type_=DateTime(timezone=True)),
            bindparam("prediction", type_=Integer),
            ContestEntry.voided_at.is_not(None),
        )
        .join(Locality, Locality.id == ContestEntry.locality_id)
        .where(ContestEntry.contest_id == bindparam("contest_id"), ContestEntry.user_id == bindparam("user_id"))
    )
    if gate is not None:
        source = source.where(gate)
    columns = [
        "round_id", "user_id", "entry_id", "attempt_id", "grp", "locality_id", "locality_path",
        "workplace_unit_id", "score", "all_correct", "duration_ms", "submitted_s", "submitted_at",
        "prediction", "voided",
    ]
    stmt = dialect_insert(dialect)(R).from_select(columns, source)
    changed = (
        "attempt_id", "score", "all_correct", "duration_ms", "submitted_s", "submitted_at", "prediction",
    )
    return stmt.on_conflict_do_update(
        index_elements=["round_id", "user_id"],
        # Every SET expression reads the row as it was, so previous_score gets the old score.
        set_={**{name: stmt.excluded[name] for name in changed}, "previous_score": R.__table__.c.score},
        where=ranking.improves_clause(list(live), stmt.excluded, R.__table__.c),
    ).returning(
        R.user_id, R.grp, R.score, R.duration_ms, R.submitted_s, R.voided, R.locality_id, R.previous_score
    )


def submit_attempt(
    attempt: ContestAttempt,
    raw_answers: dict | None,
    prediction: int | None = None,
    now: datetime | None = None,
) -> ContestAttempt:
    """Grade and close an attempt; a repeated or concurrent submit changes nothing (counted once).

    Raises AttemptError("late") after the deadline plus grace: the attempt is then closed as
    expired with what had been saved, and the late answers are ignored.
    """
    now = now or utcnow()
    if attempt.status != "open":
        return attempt
    if not _within_time(attempt, now):
        expire_attempt(attempt, now)
        raise AttemptError(
            _("Time is up: the submission came too late; your saved answers were kept."), "late"
        )
    answers = {**attempt.answers, **clean_answers(attempt, raw_answers or {})}
    if prediction is not None and (prediction < 0 or prediction > 10_000_000):
        raise AttemptError(_("The prediction must be a whole number of at least 0."), "prediction")
    duration = int((now - attempt.started_at).total_seconds() * 1000)
    close_attempt(attempt, answers, "submitted", now, max(duration, 0), prediction)
    return attempt


def expire_attempt(attempt: ContestAttempt, now: datetime | None = None) -> None:
    """Close an attempt whose time ran out, graded with its saved answers at the deadline."""
    deadline = attempt.deadline
    duration = int((deadline - attempt.started_at).total_seconds() * 1000)
    close_attempt(attempt, dict(attempt.answers), "expired", deadline, duration, attempt.prediction)


def expire_overdue(round_: ContestRound, now: datetime | None = None, limit: int | None = None) -> int:
    """Close every attempt of ``round_`` whose time (plus grace) has run out, or the first
    ``limit`` of them; returns how many.

    Each is graded with its saved answers and counts like a submit (best result, tallies, board),
    a few milliseconds apiece: run ``flask contests expire-overdue`` every few minutes while rounds
    are open, so that attempts people abandon do not pile up until finalize.
    """
    now = now or utcnow()
    cutoff = now - timedelta(seconds=round_.grace_seconds)
    query = (
        select(ContestAttempt)
        .where(
            ContestAttempt.round_id == round_.id,
            ContestAttempt.status == "open",
            ContestAttempt.deadline < cutoff,
        )
        .order_by(ContestAttempt.id)
    )
    overdue = list(db.session.scalars(query.limit(limit) if limit else query))
    for attempt in overdue:
        expire_attempt(attempt, now)
    return len(overdue)


def can_review(attempt: ContestAttempt, now: datetime | None = None) -> bool:
    """Answers and explanations show for a closed practice, or after the round closes (if allowed)."""
    now = now or utcnow()
    round_ = attempt.round
    if round_ is None:
        return attempt.status != "open"
    return round_.review_after_close and now >= round_.closes_at
