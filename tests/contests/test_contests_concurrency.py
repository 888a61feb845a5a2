"""Concurrency held by the database: parallel submits of one attempt count once, and parallel
starts never exceed the attempts allowed (threads with their own sessions, as gunicorn workers)."""

from __future__ import annotations

import threading
from datetime import timedelta

from app.contests import attempts
from app.contests.models import ContestAttempt, ContestBestResult, ContestRound
from app.core.extensions import db
from tests.contests.conftest import NOW, right_answers

THREADS = 6


def _run_parallel(app, fn) -> list:
    barrier = threading.Barrier(THREADS)
    results: list = []

    def worker():
        with app.app_context():
            barrier.wait()
            try:
                results.append(fn())
                db.session.commit()
            except Exception as exc:  # collected and inspected by the test
                db.session.rollback()
                results.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_concurrent_submits_of_one_attempt_count_once(app, world, register):
    person = register()
    with app.app_context():
        attempt = attempts.start_attempt(db.session.get(ContestRound, world["round_id"]), person.id, now=NOW)
        db.session.commit()
        attempt_id, answers = attempt.id, right_answers(attempt)

    def submit():
        mine = db.session.get(ContestAttempt, attempt_id)
        attempts.submit_attempt(mine, answers, 5, now=NOW + timedelta(seconds=30))
        return mine.status

    results = _run_parallel(app, submit)
    assert results.count("submitted") == THREADS, results
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(ContestBestResult.id))) == 1
        attempt = db.session.get(ContestAttempt, attempt_id)
        assert (attempt.status, attempt.score) == ("submitted", 5)
        from app.competency.models import Evidence

        assert db.session.scalar(db.select(db.func.count()).select_from(Evidence)) == 5


def test_concurrent_starts_never_exceed_the_attempts_allowed(app, world, register):
    person = register()
    with app.app_context():
        round_ = db.session.get(ContestRound, world["round_id"])
        round_.attempts_allowed = 2
        db.session.commit()

    def start_and_submit():
        round_ = db.session.get(ContestRound, world["round_id"])
        attempt = attempts.start_attempt(round_, person.id, now=NOW)
        db.session.flush()
        attempts.submit_attempt(attempt, {}, None, now=NOW + timedelta(seconds=5))
        return attempt.id

    for _ in range(2):
        _run_parallel(app, start_and_submit)
    with app.app_context():
        numbers = sorted(
            db.session.scalars(db.select(ContestAttempt.number).where(ContestAttempt.user_id == person.id))
        )
        assert numbers == [1, 2]
