"""The level rule: evidence → a level per competence, per area, and the overall "digital citizen" level."""

from __future__ import annotations

import pytest

from app.competency.evidence import record_evidence
from app.competency.framework import get_framework
from app.competency.levels import (
    area_level,
    competence_level,
    compute_profile,
    levels_from_evidence,
    overall_level,
    refresh_levels,
)
from app.competency.models import CompetenceLevel, PersonLevel
from app.core.extensions import db


def test_no_evidence_is_level_zero():
    assert competence_level([]) == 0


def test_only_failures_is_level_zero():
    assert competence_level([("practice", False, 3)] * 10) == 0


def test_one_easy_success_is_level_one():
    assert competence_level([("lesson", True, 1)]) == 1


@pytest.mark.parametrize(
    ("successes", "expected"), [(2, 1), (3, 2), (5, 2), (6, 3), (10, 4), (36, 8), (100, 8)]
)
def test_level_grows_with_weighted_successes(successes, expected):
    assert competence_level([("practice", True, 1)] * successes) == expected


def test_a_low_success_rate_caps_the_level():
    # 10 successes would be level 4, but 10 failures give a rate of 0.5: only up to level 2.
    observations = [("practice", True, 1)] * 10 + [("practice", False, 1)] * 10
    assert competence_level(observations) == 2


def test_hard_questions_and_contests_weigh_more():
    # 2 hard contest answers: 2 × 1.5 × 3 = 9 → level 3 (needs 6), not 4 (needs 10).
    assert competence_level([("contest", True, 3)] * 2) == 3
    # Difficulty above 3 or below 1 is clamped.
    assert competence_level([("practice", True, 99)]) == competence_level([("practice", True, 3)])
    assert competence_level([("practice", True, 0)]) == 1


def test_rate_exactly_at_the_threshold_passes():
    # S = 6, F = 4: rate 0.6 exactly → level 3 reached.
    assert competence_level([("practice", True, 1)] * 6 + [("practice", False, 1)] * 4) == 3


def test_area_level_is_floor_of_mean_of_assessed_competences():
    assert area_level([0, 0, 0]) == 0
    assert area_level([3, 0, 4]) == 3
    assert area_level([8]) == 8


def test_overall_needs_breadth_of_two_areas():
    assert overall_level([0, 0, 0]) == 0
    assert overall_level([6, 0, 0]) == 1
    assert overall_level([6, 3, 0]) == 3
    assert overall_level([6, 5, 4]) == 5


def test_codes_outside_the_framework_are_ignored():
    framework = get_framework()
    profile = levels_from_evidence([("9.9", "lesson", True, 1), ("2.3", "lesson", True, 1)], framework)
    assert "9.9" not in profile.competences
    assert profile.competences["2.3"] == 1
    assert set(profile.areas) == {a.code for a in framework.areas}
    assert profile.overall == 1


def test_refresh_levels_stores_the_rule_result(ctx, make_user):
    user = make_user()
    for n in range(6):
        record_evidence(user.id, ["2.3", "4.2"], "practice", f"q{n}", True, 1)
    record_evidence(user.id, ["1.1"], "lesson", "l1", True)
    db.session.commit()
    assert refresh_levels([user.id]) == 1
    db.session.commit()
    stored = {
        row.competence_code: row.level
        for row in db.session.scalars(db.select(CompetenceLevel).where(CompetenceLevel.user_id == user.id))
    }
    assert stored == {"2.3": 3, "4.2": 3, "1.1": 1}
    assert db.session.get(PersonLevel, user.id).level == compute_profile(user.id).overall == 3


def test_batched_evidence_keeps_the_latest_observation_of_each_thing_across_statements(ctx, make_user):
    """record_evidence_many writes several multi-row statements for a long list: every row lands
    once, a repeated (ref, code) keeps its last observation, and a later batch replaces earlier ones."""
    from datetime import timedelta

    from app.competency import evidence
    from app.competency.models import Evidence
    from app.core.types import utcnow

    user = make_user()
    first = utcnow() - timedelta(hours=1)
    many = evidence.BATCH * 2 + 7
    items = [(f"question:{n}", "2.3", n % 2 == 0, 2.0) for n in range(many)]
    items.append(("question:0", "2.3", False, 3.0))  # the same question again: the last one counts
    evidence.record_evidence_many(user.id, items, "contest", first)
    db.session.commit()
    rows = {r.ref: r for r in db.session.scalars(db.select(Evidence).where(Evidence.user_id == user.id))}
    assert len(rows) == many
    assert (rows["question:0"].success, rows["question:0"].difficulty) == (False, 3.0)
    assert rows["question:2"].success
    assert not rows["question:1"].success

    evidence.record_evidence_many(user.id, [("question:1", "2.3", True, 1.0)], "contest")
    db.session.commit()
    db.session.expire_all()
    again = db.session.scalar(db.select(Evidence).where(Evidence.user_id == user.id, Evidence.ref == "question:1"))
    assert (again.success, again.difficulty) == (True, 1.0)
    assert again.occurred_at > first
    assert db.session.scalar(db.select(db.func.count()).select_from(Evidence).where(Evidence.user_id == user.id)) == many
