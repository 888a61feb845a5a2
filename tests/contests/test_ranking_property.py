"""One ranking, three encodings: for any set of results, the SQL order of the live board, the
Redis score (``packed_score``, then the zero-padded user id), the packed keys of finalize
(``final_order_by``) and the comparisons built by ``lexicographic_less`` (``ahead_of_clause``,
``improves_clause``) rank everyone identically, on the database under test."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, delete, func, insert, literal, select

from app.contests import ranking
from app.core.extensions import db

PROBE = Table(
    "ranking_probe", MetaData(),
    Column("user_id", Integer, primary_key=True), Column("score", Integer, nullable=False),
    Column("duration_ms", Integer, nullable=False), Column("submitted_s", Integer, nullable=False),
    Column("prediction", Integer), prefixes=["TEMPORARY"],
)
C = PROBE.c

# Values within the round rules' bounds, drawn so that ties on every criterion are frequent.
scores = st.one_of(st.sampled_from([0, 29, 30]), st.integers(0, 100))
durations = st.one_of(st.sampled_from([60_000, 61_000]), st.integers(0, ranking.MAX_DURATION_MS))
offsets = st.one_of(st.sampled_from([100, 101]), st.integers(0, ranking.MAX_SUBMITTED_S))
predictions = st.one_of(st.none(), st.sampled_from([10, 40]), st.integers(0, 10_000_000))
results = st.lists(
    st.tuples(scores, durations, offsets, predictions), min_size=1, max_size=25
).map(lambda rows: [
    {"user_id": i + 1, "score": s, "duration_ms": d, "submitted_s": o, "prediction": p}
    for i, (s, d, o, p) in enumerate(rows)
])
orders = st.permutations(["prediction", "duration", "submitted"]).flatmap(
    lambda rest: st.integers(0, 3).map(lambda at: [*rest[:at], "score", *rest[at:]])
).flatmap(lambda full: st.sets(st.sampled_from(full)).map(
    lambda dropped: [c for c in full if c == "score" or c not in dropped]
))


def _sql_order(connection, clauses) -> list[int]:
    return list(connection.execute(select(C.user_id).order_by(*clauses)).scalars())


def _redis_order(criteria, rows) -> list[int]:
    """Redis sorts a sorted set by score, then by member bytes: the zero-padded user ids."""
    def member(row):
        packed = ranking.packed_score(criteria, row["score"], row["duration_ms"], row["submitted_s"])
        assert float(packed) == packed  # a double holds it exactly
        return (float(packed), f"{row['user_id']:010d}")
    return [row["user_id"] for row in sorted(rows, key=member)]


def _as_sql(name, row):
    """A row's values as SQL literals (the upsert compares columns, not Python numbers)."""
    return type(name, (), {k: literal(v, Integer) for k, v in row.items()})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=results, criteria=orders, actual=st.integers(0, 10_000))
def test_sql_redis_and_final_keys_rank_any_results_identically(app, rows, criteria, actual):
    with app.app_context(), db.engine.connect() as connection:
        transaction = connection.begin()
        try:
            PROBE.create(connection, checkfirst=True)  # SQLite's driver may not roll DDL back
            connection.execute(delete(PROBE))
            connection.execute(insert(PROBE), rows)
            live = ranking.live_criteria(criteria)
            live_sql = _sql_order(connection, ranking.order_by(live, model=C))
            assert live_sql == _redis_order(criteria, rows)

            # "ahead of" counts exactly the rows before each one on the live board.
            for position, user_id in enumerate(live_sql):
                row = next(r for r in rows if r["user_id"] == user_id)
                probe = type("Row", (), row)
                ahead = connection.execute(
                    select(func.count()).select_from(PROBE).where(ranking.ahead_of_clause(criteria, probe, C))
                ).scalar()
                assert ahead == position

            # "improves on" (the best-result upsert) agrees with the Redis score for every pair.
            for new, old in itertools.permutations(rows[:6], 2):
                improves = connection.execute(select(ranking.improves_clause(
                    criteria, _as_sql("New", new), _as_sql("Old", old)))).scalar()
                packed = [ranking.packed_score(criteria, r["score"], r["duration_ms"], r["submitted_s"])
                          for r in (new, old)]
                assert bool(improves) == (packed[0] < packed[1])

            # Finalize's packed keys give the same order as the criteria one by one.
            assert _sql_order(connection, ranking.final_order_by(criteria, actual, model=C)) == _sql_order(
                connection, ranking.order_by(criteria, actual, model=C)
            )
        finally:
            transaction.rollback()
