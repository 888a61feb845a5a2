"""Ranking: tie-breaks in both criteria orders, live vs final, prediction missing last, and the
Redis and SQL boards giving identical rankings on the same data."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from app.contests import attempts, boards
from app.contests import service as contests
from app.contests.models import ContestBestResult, ContestFinalRank, ContestRound
from app.core.extensions import db
from tests.contests.conftest import NOW, right_answers


def _take(round_id, user_id, correct, start_offset_s, duration_s, prediction):
    round_ = db.session.get(ContestRound, round_id)
    t0 = NOW + timedelta(seconds=start_offset_s)
    attempt = attempts.start_attempt(round_, user_id, now=t0)
    answers = right_answers(attempt)
    for key in list(answers)[correct:]:
        answers[key] = [1]
    attempts.submit_attempt(attempt, answers, prediction, now=t0 + timedelta(seconds=duration_s))
    db.session.commit()


def _people(register, n):
    return [register(name=f"Nguyễn Văn Người{i}") for i in range(n)]


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        # A: 5/5, 100 s, prediction off by 0 | B: 5/5, 60 s, off by 5 | C: 5/5, 60 s, no prediction
        (["score", "prediction", "duration", "submitted"], ["A", "B", "C", "D"]),
        (["score", "duration", "prediction", "submitted"], ["B", "C", "A", "D"]),
    ],
)
def test_final_ranking_follows_the_organizers_criteria_order(app, world, register, criteria, expected):
    people = dict(zip("ABCD", _people(register, 4), strict=True))
    with app.app_context():
        round_ = db.session.get(ContestRound, world["round_id"])
        round_.criteria = criteria
        db.session.commit()
        # Three people answer everything right; D misses one.
        _take(round_.id, people["A"].id, 5, 0, 100, 3)
        _take(round_.id, people["B"].id, 5, 10, 60, 8)
        _take(round_.id, people["C"].id, 5, 20, 60, None)
        _take(round_.id, people["D"].id, 4, 30, 10, 3)
        round_ = db.session.get(ContestRound, world["round_id"])
        contests.finalize_round(round_, now=NOW + timedelta(days=8))
        db.session.commit()
        round_ = db.session.get(ContestRound, world["round_id"])
        assert round_.all_correct_count == 3
        ranks = {r.user_id: r.final_rank for r in db.session.scalars(db.select(ContestFinalRank))}
        order = sorted("ABCD", key=lambda k: ranks[people[k].id])
        assert order == expected
        prizes = {
            k: db.session.scalar(
                db.select(ContestFinalRank.prize).where(ContestFinalRank.user_id == people[k].id)
            )
            for k in "ABCD"
        }
        assert prizes[expected[0]] == "Nhất"
        assert prizes[expected[1]] == prizes[expected[2]] == "Nhì"
        assert prizes[expected[3]] is None
        # The final board is the frozen ranking.
        entries, total, _own = boards.board_page(round_, "citizen")
        assert [e.user_id for e in entries] == [people[k].id for k in expected]
        assert total == 4


def _final(round_id):
    rows = db.session.scalars(
        db.select(ContestFinalRank).where(ContestFinalRank.round_id == round_id).order_by(
            ContestFinalRank.grp, ContestFinalRank.final_rank
        )
    )
    return [(f.grp, f.final_rank, f.user_id, f.prize) for f in rows]


def test_finalize_writes_one_rank_per_participant_per_group_without_voided_and_replaces_on_refinalize(
    app, world, register
):
    from app.accounts.models import User
    from app.contests.service import entry_of, get_contest

    citizens = _people(register, 3)
    officials = [register(grp="official", name=f"Trần Thị Cán Bộ{i}") for i in range(2)]
    with app.app_context():
        rid = world["round_id"]
        _take(rid, citizens[0].id, 3, 0, 60, 1)
        _take(rid, citizens[0].id, 5, 100, 60, 1)  # a second, better attempt: still one rank
        _take(rid, citizens[1].id, 4, 10, 60, 1)
        _take(rid, citizens[2].id, 5, 20, 30, 1)  # the best citizen, then voided
        _take(rid, officials[0].id, 2, 30, 60, None)
        _take(rid, officials[1].id, 5, 40, 60, 1)
        organizer = db.session.get(User, world["organizer"].id)
        contest = get_contest("cuoc-thi")
        contests.void_entry(entry_of(contest, citizens[2].id), organizer, "Thi hộ")
        db.session.commit()
        round_ = db.session.get(ContestRound, rid)
        assert contests.finalize_round(round_, now=NOW + timedelta(days=8)) == 4
        db.session.commit()
        assert _final(rid) == [
            ("citizen", 1, citizens[0].id, "Nhất"),
            ("citizen", 2, citizens[1].id, "Nhì"),
            ("official", 1, officials[1].id, "Nhất"),
            ("official", 2, officials[0].id, "Nhì"),
        ]
        # Voiding after finalize removes that person's rank and prize; the others keep theirs.
        contests.void_entry(entry_of(contest, citizens[0].id), organizer, "Gian lận")
        db.session.commit()
        round_ = db.session.get(ContestRound, rid)
        assert [row[:3] for row in _final(rid) if row[0] == "citizen"] == [("citizen", 2, citizens[1].id)]
        assert boards.own_rank(round_, "citizen", citizens[0].id) is None
        assert boards.own_rank(round_, "citizen", citizens[1].id) == 2
        entries, total, _own = boards.board_page(round_, "citizen")
        assert ([e.user_id for e in entries], total) == ([citizens[1].id], 1)
        # Finalizing again replaces every earlier rank.
        assert contests.finalize_round(round_, now=NOW + timedelta(days=9)) == 3
        db.session.commit()
        assert _final(rid) == [
            ("citizen", 1, citizens[1].id, "Nhất"),
            ("official", 1, officials[1].id, "Nhất"),
            ("official", 2, officials[0].id, "Nhì"),
        ]
        round_ = db.session.get(ContestRound, rid)
        assert boards.own_rank(round_, "citizen", citizens[1].id) == 1


def _partitions():
    """{round id: number of partitions} of contest_final_ranks on PostgreSQL; None on SQLite."""
    if db.engine.dialect.name != "postgresql":
        return None
    rows = db.session.execute(
        db.text(
            "SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'contest_final_ranks'::regclass"
        )
    ).scalars()
    counts: dict[int, int] = {}
    for bound in rows:  # "FOR VALUES IN (7)"
        round_id = int(bound.rsplit("(", 1)[1].rstrip(")"))
        counts[round_id] = counts.get(round_id, 0) + 1
    return counts


def test_finalizing_one_round_again_keeps_the_other_rounds_frozen_ranks(app, world, register):
    people = _people(register, 3)
    with app.app_context():
        first = db.session.get(ContestRound, world["round_id"])
        second = ContestRound(
            contest_id=first.contest_id, number=2, title="Tuần 2", opens_at=first.opens_at,
            closes_at=first.closes_at, question_count=5, draw=first.draw, time_limit_seconds=600,
            attempts_allowed=1, prediction_enabled=True, prizes=[{"label": "Nhất", "count": 1}],
        )
        db.session.add(second)
        db.session.commit()
        ids = (first.id, second.id)
        for i, person in enumerate(people):
            _take(ids[0], person.id, 5 - i, i * 10, 60, 1)
            _take(ids[1], person.id, 3 + i, i * 10, 60, 1)
        later = NOW + timedelta(days=8)
        for rid in ids:
            assert contests.finalize_round(db.session.get(ContestRound, rid), now=later) == 3
            db.session.commit()
        second_ranks = _final(ids[1])
        assert [row[2] for row in second_ranks] == [p.id for p in reversed(people)]
        # A participant of round 1 is voided; round 1 is finalized again, twice.
        db.session.execute(
            db.update(ContestBestResult)
            .where(ContestBestResult.round_id == ids[0], ContestBestResult.user_id == people[0].id)
            .values(voided=True)
        )
        for _ in range(2):
            assert contests.finalize_round(db.session.get(ContestRound, ids[0]), now=later) == 2
            db.session.commit()
        assert _final(ids[0]) == [
            ("citizen", 1, people[1].id, "Nhất"),
            ("citizen", 2, people[2].id, "Nhì"),
        ]
        assert _final(ids[1]) == second_ranks
        # On PostgreSQL each finalized round has exactly one partition of the frozen ranks.
        assert _partitions() in (None, {ids[0]: 1, ids[1]: 1})


def test_live_board_ignores_prediction_and_breaks_ties_by_duration_then_submission(app, world, register):
    people = dict(zip("ABC", _people(register, 3), strict=True))
    with app.app_context():
        _take(world["round_id"], people["A"].id, 5, 0, 100, 3)  # slower
        _take(world["round_id"], people["B"].id, 5, 50, 60, None)  # same duration as C, later
        _take(world["round_id"], people["C"].id, 5, 20, 60, 999)
        round_ = db.session.get(ContestRound, world["round_id"])
        entries, total, _own = boards.board_page(round_, "citizen")
        assert [e.user_id for e in entries] == [people[k].id for k in "CBA"]
        assert boards.own_rank(round_, "citizen", people["A"].id) == 3
        assert entries[0].name == "Nguyễn V. N"


def test_second_attempt_counts_only_when_it_improves(app, world, register):
    person = register()
    with app.app_context():
        _take(world["round_id"], person.id, 4, 0, 30, 1)
        _take(world["round_id"], person.id, 3, 100, 10, 1)
        best = db.session.scalar(db.select(ContestBestResult))
        assert (best.score, best.duration_ms) == (4, 30_000)
        round_ = db.session.get(ContestRound, world["round_id"])
        with pytest.raises(attempts.AttemptError):
            attempts.start_attempt(round_, person.id, now=NOW + timedelta(seconds=500))


def _generate(round_id: int, n: int, seed: int) -> None:
    """``n`` participants with random results full of ties, inserted in bulk."""
    from sqlalchemy import insert

    from app.accounts.models import User
    from app.contests.models import ContestAttempt, ContestEntry
    from app.localities.models import Locality

    rng = random.Random(seed)
    round_ = db.session.get(ContestRound, round_id)
    villages = list(db.session.scalars(db.select(Locality).where(Locality.depth == 3)))
    db.session.execute(
        insert(User),
        [
            {"phone": f"08{i:08d}", "full_name": f"Trần Thị Số{i}", "search_name": "", "kind": "citizen"}
            for i in range(n)
        ],
    )
    users = list(db.session.scalars(db.select(User).where(User.phone.like("08%")).order_by(User.id)))
    rows = []
    for i, user in enumerate(users):
        village = rng.choice(villages)
        rows.append(
            {
                "contest_id": round_.contest_id,
                "user_id": user.id,
                "grp": "citizen" if i % 3 else "official",
                "full_name": user.full_name,
                "locality_id": village.id,
            }
        )
    db.session.execute(insert(ContestEntry), rows)
    entries = {e.user_id: e for e in db.session.scalars(db.select(ContestEntry))}
    db.session.execute(
        insert(ContestAttempt),
        [
            {
                "round_id": round_id,
                "user_id": u.id,
                "number": 1,
                "status": "submitted",
                "started_at": NOW,
                "deadline": NOW,
                "questions": [],
                "answers": {},
            }
            for u in users
        ],
    )
    attempt_of = dict(db.session.execute(db.select(ContestAttempt.user_id, ContestAttempt.id)).all())
    results = []
    for user in users:
        entry = entries[user.id]
        score = rng.randint(3, 5)
        results.append(
            {
                "round_id": round_id,
                "user_id": user.id,
                "entry_id": entry.id,
                "attempt_id": attempt_of[user.id],
                "grp": entry.grp,
                "locality_id": entry.locality_id,
                "locality_path": db.session.get(Locality, entry.locality_id).path,
                "score": score,
                "all_correct": score == 5,
                "duration_ms": rng.choice([60_000, 61_000, 90_000]),
                "submitted_s": rng.choice([100, 101, 5000]),
                "submitted_at": NOW,
                "prediction": rng.choice([None, 10, 40]),
                "voided": rng.random() < 0.05,
            }
        )
    db.session.execute(insert(ContestBestResult), results)
    db.session.commit()


@pytest.mark.parametrize(
    "criteria", [["score", "prediction", "duration", "submitted"], ["score", "submitted", "duration"]]
)
def test_sql_and_redis_boards_rank_the_same_generated_data(app, world, redis_client, criteria):
    with app.app_context():
        round_ = db.session.get(ContestRound, world["round_id"])
        round_.criteria = criteria
        db.session.commit()
        _generate(round_.id, 240, seed=len(criteria))
        sql, red = boards.SqlBoard(), boards.RedisBoard(redis_client)
        assert red.rebuild(round_) > 0
        for grp in ("citizen", "official"):
            sql_ids, sql_total = sql.page(round_, grp, 0, 500)
            red_ids, red_total = red.page(round_, grp, 0, 500)
            assert sql_total == red_total > 0
            assert sql_ids == red_ids
            assert sql.page(round_, grp, 7, 13) == red.page(round_, grp, 7, 13)
            for user_id in sql_ids[::17]:
                assert (
                    sql.rank_of(round_, grp, user_id)
                    == red.rank_of(round_, grp, user_id)
                    == sql_ids.index(user_id) + 1
                )


def test_redis_board_keeps_only_improvements(app, world, redis_client):
    with app.app_context():
        round_ = db.session.get(ContestRound, world["round_id"])
        board = boards.RedisBoard(redis_client)
        good = ContestBestResult(user_id=5, grp="citizen", score=5, duration_ms=1000, submitted_s=10)
        worse = ContestBestResult(user_id=5, grp="citizen", score=4, duration_ms=10, submitted_s=5)
        board.record(round_, good)
        board.record(round_, worse)
        key = board.key(round_.id, "citizen")
        from app.contests.ranking import packed_score

        assert redis_client.zscore(key, board.member(5)) == packed_score(round_.criteria, 5, 1000, 10)


def test_redis_public_page_shows_the_same_rows_as_sql_and_drops_a_changed_row(app, world, redis_client):
    with app.app_context():
        round_ = db.session.get(ContestRound, world["round_id"])
        _generate(round_.id, 120, seed=7)
        red = boards.RedisBoard(redis_client)
        red.rebuild(round_)
        ids, total = red.page(round_, "citizen", 5, 20)
        expected = boards._entries(round_, ids, 6)
        for _pass in range(2):  # first read fills the shown rows from SQL, the second reads Redis only
            entries, red_total, _own = red.page_entries(round_, "citizen", 5, 20)
            assert red_total == total
            assert [(e.rank, e.user_id, e.name, e.locality, e.score, e.duration_ms) for e in entries] == [
                (e.rank, e.user_id, e.name, e.locality, e.score, e.duration_ms) for e in expected
            ]
        assert redis_client.hlen(red.names_key(round_.id, "citizen")) == 20
        # An improvement of a shown member drops its row; the next page reads it again from SQL.
        best = db.session.scalar(
            db.select(ContestBestResult).where(
                ContestBestResult.round_id == round_.id, ContestBestResult.user_id == ids[3]
            )
        )
        best.score, best.duration_ms = 5, 1
        db.session.commit()
        red.record(round_, best)
        assert redis_client.hget(red.names_key(round_.id, "citizen"), red.member(ids[3])) is None
        entries, _total, _own = red.page_entries(round_, "citizen", 0, 200)
        mine = next(e for e in entries if e.user_id == ids[3])
        assert (mine.score, mine.duration_ms) == (5, 1)
        assert mine.rank == red.rank_of(round_, "citizen", ids[3])


@pytest.mark.parametrize(
    "criteria",
    [
        ["score", "prediction", "duration", "submitted"],
        ["score", "duration", "prediction", "submitted"],
        ["prediction", "submitted", "score", "duration"],
        ["score", "submitted"],
    ],
)
def test_finalize_packed_sort_keys_order_exactly_like_the_criteria(app, world, criteria):
    """``final_order_by`` (few packed keys, used by finalize) and ``order_by`` (one key per
    criterion) put the same generated results, full of ties, in the same order."""
    from app.contests import ranking

    with app.app_context():
        _generate(world["round_id"], 240, seed=len(criteria) + 7)
        R = ContestBestResult
        where = (R.round_id == world["round_id"]) & R.voided.is_(False)
        for actual in (0, 25, 40):
            plain = list(db.session.scalars(
                db.select(R.user_id).where(where).order_by(*ranking.order_by(criteria, actual))
            ))
            packed = list(db.session.scalars(
                db.select(R.user_id).where(where).order_by(*ranking.final_order_by(criteria, actual))
            ))
            assert len(plain) > 200
            assert packed == plain
