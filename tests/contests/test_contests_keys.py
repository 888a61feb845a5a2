"""An attempt keeps the answer key of the questions it drew: grading reads no question rows, a key
corrected mid-round applies to attempts started afterwards, and the drawing pool is cached per
process but never outlives a bank change made through the bank loader."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.contests import attempts, banks
from app.contests.models import ContestAttempt, ContestRound, Question
from app.core.extensions import db
from tests.contests.conftest import NOW, make_bank, option_values, right_answers


def test_an_attempt_is_graded_with_the_key_it_drew_even_if_the_key_changes(app, world, register):
    person = register()
    with app.app_context():
        round_ = db.session.get(ContestRound, world["round_id"])
        attempt = attempts.start_attempt(round_, person.id, now=NOW)
        db.session.commit()
        assert all(item["key"] == [0] for item in attempt.questions)
        # The organizer "corrects" every key after the attempt started.
        db.session.execute(update(Question).values(correct=[1]))
        db.session.commit()
        attempts.submit_attempt(attempt, right_answers(attempt), 3, now=NOW + timedelta(seconds=40))
        db.session.commit()
        assert attempt.score == round_.question_count
        # The review shows the key the attempt was graded with.
        review = attempts.attempt_questions(attempt, reveal=True)
        assert all(
            q["correct"] == option_values(item, [0]) and q["is_correct"]
            for q, item in zip(review, attempt.questions, strict=True)
        )


def test_an_attempt_without_frozen_keys_is_graded_from_the_question_rows(app, world, register):
    person = register()
    with app.app_context():
        round_ = db.session.get(ContestRound, world["round_id"])
        attempt = attempts.start_attempt(round_, person.id, now=NOW)
        # As stored before keys were frozen in the draw (and before option tokens: the bank's
        # option indexes identified the options then).
        attempt.questions = [{"id": item["id"], "order": item["order"]} for item in attempt.questions]
        db.session.commit()
        first = attempt.questions[0]["id"]
        db.session.execute(update(Question).where(Question.id == first).values(correct=[1]))
        db.session.commit()
        attempts.submit_attempt(attempt, right_answers(attempt), 3, now=NOW + timedelta(seconds=40))
        db.session.commit()
        assert attempt.score == round_.question_count - 1


def test_the_pool_is_cached_but_a_bank_saved_in_this_process_refreshes_it(app, world, register):
    first, second = register(name="Lê Văn Một"), register(name="Lê Thị Hai")
    app.config["QUESTION_POOL_SECONDS"] = 3600
    with app.app_context():
        round_ = db.session.get(ContestRound, world["round_id"])
        pool = banks.question_pool(["thu"])
        assert banks.question_pool(["thu"]) is pool  # served from the process cache
        # Retire every question but the first five through the loader: the cache is dropped.
        make_bank(n=5)
        db.session.commit()
        assert len(banks.question_pool(["thu"])) == 5
        attempts.start_attempt(round_, first.id, now=NOW)
        db.session.commit()
        kept = set(db.session.scalars(select(Question.id).where(Question.active)))
        drawn = db.session.scalar(select(ContestAttempt).where(ContestAttempt.user_id == first.id))
        assert {item["id"] for item in drawn.questions} <= kept
        # A change made elsewhere (another worker) reaches this process when the cache expires.
        db.session.execute(update(Question).values(active=False))
        db.session.commit()
        assert len(banks.question_pool(["thu"])) == 5
        app.config["QUESTION_POOL_SECONDS"] = 0
        assert banks.question_pool(["thu"]) == []
        with pytest.raises(attempts.AttemptError) as refused:
            attempts.start_attempt(round_, second.id, now=NOW)
        assert refused.value.code == "empty"
