"""A submit's SQL work does not grow with the number of questions: closing, the evidence of every
question, the best result and the locality tally are ONE statement on PostgreSQL and a fixed
handful on SQLite (one multi-row evidence upsert), and the evidence and best result it writes are
right."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from app.competency.models import Evidence
from app.contests import attempts
from app.contests.models import ContestBestResult, ContestRound
from app.core.extensions import db
from tests.contests.conftest import NOW, right_answers


def _submit_counting(round_id: int, user_id: int, count: int) -> tuple[int, object]:
    round_ = db.session.get(ContestRound, round_id)
    round_.question_count = count
    round_.draw = {"banks": ["thu"], "mix": {}}
    db.session.commit()
    attempt = attempts.start_attempt(round_, user_id, now=NOW)
    db.session.commit()
    statements = []

    def count_it(_conn, _cursor, _statement, parameters, _context, executemany):
        # An executemany runs the statement once per parameter set on the server.
        statements.append(len(parameters) if executemany else 1)

    event.listen(db.engine, "before_cursor_execute", count_it)
    try:
        attempts.submit_attempt(attempt, right_answers(attempt), 3, now=NOW + timedelta(seconds=30))
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", count_it)
    return sum(statements), attempt


def test_a_submit_runs_the_same_few_statements_for_3_or_12_questions(app, world, register):
    few, many = register(name="Phạm Văn Ba"), register(name="Phạm Thị Mười Hai")
    with app.app_context():
        n_few, _a = _submit_counting(world["round_id"], few.id, 3)
        n_many, attempt = _submit_counting(world["round_id"], many.id, 12)
        # PostgreSQL: the close with everything it records, in one statement (the round is read
        # with the attempt). SQLite: reading the round, closing, the evidence (one multi-row
        # upsert), the best result and the locality tally.
        assert n_few == n_many <= (2 if db.engine.dialect.name == "postgresql" else 5)
        assert (attempt.status, attempt.score) == ("submitted", 12)
        assert db.session.scalar(
            db.select(db.func.count()).select_from(Evidence).where(
                Evidence.user_id == many.id, Evidence.source == "contest", Evidence.success
            )
        ) == 12
        best = db.session.scalar(db.select(ContestBestResult).where(ContestBestResult.user_id == many.id))
        assert (best.score, best.all_correct, best.prediction, best.duration_ms) == (12, True, 3, 30_000)
