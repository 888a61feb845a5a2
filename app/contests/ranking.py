"""The one ranking of contest results, used by every board, the finalize step and every export.

A round's ``criteria`` is an ordered list chosen from (default in this order):

1. ``score`` — correct answers, more is better;
2. ``prediction`` — ``|prediction − all-correct count|``, smaller is better; a participant who gave
   no prediction ranks after everyone who gave one on this criterion;
3. ``duration`` — milliseconds from the server's start to the server's receipt of the submit,
   smaller is better;
4. ``submitted`` — whole seconds from the round's opening to the submit, earlier is better.

Some provinces put ``duration`` before ``prediction``; the order is the organizer's. While a round
is open the all-correct count is unknown, so the live board ranks by the remaining criteria in the
same order (``live_criteria``). Finalize ranks with every criterion. Anything still tied is broken
by the user id (the earlier account first) so every person has a distinct position, identical on
SQL and Redis. Voided results are never ranked.

Redis keeps the live order in one number per person (``packed_score``): the criteria's values are
packed, most significant first, into 52 bits (score 8 bits, duration 22 bits = 69 minutes in ms,
submitted 22 bits = 48 days in seconds), so a double holds them exactly; lower is better and
members are the zero-padded user ids, which Redis orders like the final user-id tie-break.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, ColumnElement, and_, case, cast, func, or_

from app.contests.models import RANKING_CRITERIA, ContestBestResult

# How each criterion reads (the round form's choices and the audit's words).
CRITERION_LABELS = {
    "score": _l("Score (more is better)"),
    "prediction": _l("Prediction error (smaller is better)"),
    "duration": _l("Time taken (shorter is better)"),
    "submitted": _l("Submission time (earlier is better)"),
}

BITS = {"score": 8, "duration": 22, "submitted": 22}
MAX_SCORE = (1 << BITS["score"]) - 1
MAX_DURATION_MS = (1 << BITS["duration"]) - 1
MAX_SUBMITTED_S = (1 << BITS["submitted"]) - 1


def validate_criteria(criteria: list[str]) -> list[str]:
    """The criteria if they are distinct known names including ``score``; raises ValueError."""
    if (
        len(set(criteria)) != len(criteria)
        or not set(criteria) <= set(RANKING_CRITERIA)
        or "score" not in criteria
    ):
        raise ValueError("criteria must be distinct names among " + ", ".join(RANKING_CRITERIA))
    return list(criteria)


def live_criteria(criteria: list[str]) -> list[str]:
    """The criteria usable before finalize: all but ``prediction``."""
    return [c for c in criteria if c != "prediction"]


def _terms(criteria: list[str], actual: int | None, model=ContestBestResult) -> list:
    """SQL expressions, each ascending = better, in criteria order."""
    terms = []
    for name in criteria:
        if name == "score":
            terms.append(-model.score)
        elif name == "duration":
            terms.append(model.duration_ms)
        elif name == "submitted":
            terms.append(model.submitted_s)
        elif name == "prediction":
            if actual is None:
                continue
            terms.append(case((model.prediction.is_(None), 1), else_=0))
            terms.append(func.abs(model.prediction - actual))
    return terms


def order_by(criteria: list[str], actual: int | None = None, model=ContestBestResult) -> list:
    """ORDER BY clauses for ``criteria`` (prediction used only when ``actual`` is known)."""
    return [*_terms(criteria, actual, model), model.user_id]


# Exact widths for the final sort keys: scores up to 255 (rounds have at most 100 questions),
# a missing-prediction flag and prediction errors below 2**24 (predictions are at most 10 million),
# durations and submission offsets as in the live packing (BITS, bounded by the round rules).
FINAL_BITS = {"score": 8, "prediction": 25, "duration": 22, "submitted": 22}
MAX_PREDICTION_ERROR = (1 << 24) - 1


def _clamp(value, high: int):
    """``value`` held within 0..high (CASE: SQLite has no LEAST/GREATEST)."""
    return case((value < 0, 0), (value > high, high), else_=value)


def final_order_by(criteria: list[str], actual: int, model=ContestBestResult) -> list:
    """The same order as ``order_by(criteria, actual)`` in as few sort keys as possible, for
    finalize: consecutive criteria are packed, most significant first, into one BIGINT while they
    fit in 62 bits (the default order gives two keys and the user id instead of six keys; sorting
    a million results takes ~1.5 s instead of ~2.3 s on PostgreSQL). Every part is a whole number
    within its width, so comparing the packed keys compares the criteria one by one."""
    parts = []
    for name in criteria:
        if name == "score":
            value = MAX_SCORE - _clamp(model.score, MAX_SCORE)
        elif name == "duration":
            value = _clamp(model.duration_ms, MAX_DURATION_MS)
        elif name == "submitted":
            value = _clamp(model.submitted_s, MAX_SUBMITTED_S)
        else:  # prediction: after everyone who gave one, then the error
            error = _clamp(func.abs(model.prediction - actual), MAX_PREDICTION_ERROR)
            value = case((model.prediction.is_(None), 1 << 24), else_=error)
        parts.append((cast(value, BigInteger), FINAL_BITS[name]))
    keys: list[ColumnElement[int]] = []
    key: ColumnElement[int] | None = None
    used = 0
    for value, bits in parts:
        if key is not None and used + bits > 62:
            keys.append(key)
            key, used = None, 0
        key = value if key is None else key * (1 << bits) + value
        used += bits
    if key is not None:
        keys.append(key)
    return [*keys, model.user_id]


def lexicographic_less(pairs: list[tuple]):
    """SQL condition: the tuple of the pairs' left sides sorts strictly before the tuple of their
    right sides (``(a1, b1), (a2, b2)`` → ``a1 < b1 OR (a1 = b1 AND a2 < b2)``). The one
    lexicographic comparison of the ranking: "ranks ahead of" on a board and "improves on" in the
    best-result upsert are both built from it."""
    clauses = []
    for i, (left, right) in enumerate(pairs):
        clauses.append(and_(*[a == b for a, b in pairs[:i]], left < right))
    return or_(*clauses)


_LIVE_COLUMNS = {"score": "score", "duration": "duration_ms", "submitted": "submitted_s"}


def _live_pairs(criteria: list[str], ahead, behind) -> list[tuple]:
    """``(ahead's value, behind's value)`` per live criterion, each oriented so that smaller is
    better (score is negated); ``ahead`` and ``behind`` are rows or column collections."""
    pairs = []
    for name in live_criteria(criteria):
        a, b = getattr(ahead, _LIVE_COLUMNS[name]), getattr(behind, _LIVE_COLUMNS[name])
        pairs.append((-a, -b) if name == "score" else (a, b))
    return pairs


def ahead_of_clause(criteria: list[str], row: ContestBestResult, model=ContestBestResult):
    """SQL condition: a result ranks strictly ahead of ``row`` on the live ``criteria`` (the user
    id breaks the remaining ties)."""
    return lexicographic_less([*_live_pairs(criteria, model, row), (model.user_id, row.user_id)])


def packed_score(criteria: list[str], score: int, duration_ms: int, submitted_s: int) -> int:
    """The live ranking of one result as one integer, lower is better (see the module docstring)."""
    badness = {
        "score": MAX_SCORE - min(max(score, 0), MAX_SCORE),
        "duration": min(max(duration_ms, 0), MAX_DURATION_MS),
        "submitted": min(max(submitted_s, 0), MAX_SUBMITTED_S),
    }
    value = 0
    for name in live_criteria(criteria):
        value = (value << BITS[name]) | badness[name]
    return value


def improves_clause(criteria: list[str], new, old):
    """SQL condition: the result with columns ``new`` (e.g. an upsert's ``excluded``) ranks
    strictly ahead of ``old`` on the live ``criteria`` (the SQL form of comparing packed scores)."""
    return lexicographic_less(_live_pairs(criteria, new, old))
