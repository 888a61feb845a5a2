"""Dashboard figures: SQL aggregates over the locality paths equal a brute-force count."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import time_machine

from app.accounts.models import User
from app.competency import reports
from app.competency.evidence import record_evidence
from app.competency.levels import compute_profile
from app.competency.models import PersonLevel, ReportRefresh
from app.core.extensions import db
from app.learn.models import AssistedSession, Course, Lesson, LessonProgress
from app.localities.models import Locality

NOW = datetime(2025, 3, 12, 3, 0, tzinfo=UTC)


def _world(make_locality, make_user, seed=7):
    """Province 90 → districts 901/902 → communes → villages, 60 people with random activity."""
    rng = random.Random(seed)
    make_locality("90", "Tỉnh Thử", "Tỉnh")
    leaves = []
    for d in ("901", "902"):
        make_locality(d, f"Huyện {d}", "Huyện", parent="90")
        for c in range(1, 3):
            commune = f"{d}0{c}"
            make_locality(commune, f"Xã {commune}", "Xã", parent=d)
            leaves.append(commune)
            for v in range(1, 3):
                make_locality(f"{commune}0{v}", f"Thôn {v}", "Thôn", parent=commune)
                leaves.append(f"{commune}0{v}")
    course = Course(slug="dvc", title="Dịch vụ công")
    course.lessons = [Lesson(slug=f"l{n}", title=f"Bài {n}", position=n) for n in range(4)]
    db.session.add(course)
    db.session.commit()
    lessons = course.lessons
    helper = make_user(full_name="Người hỗ trợ")
    for _n in range(60):
        user = make_user(locality=rng.choice(leaves), kind=rng.choice(["citizen", "citizen", "official"]))
        user = db.session.get(User, user.id)
        for lesson in rng.sample(lessons, rng.randint(0, 4)):
            done = rng.random() < 0.7
            db.session.add(
                LessonProgress(
                    user_id=user.id,
                    lesson_id=lesson.id,
                    completed_at=NOW - timedelta(days=rng.randint(0, 40)) if done else None,
                )
            )
        for q in range(rng.randint(0, 12)):
            record_evidence(
                user.id,
                [rng.choice(["2.3", "4.2", "1.1"])],
                rng.choice(["practice", "contest"]),
                f"q{q}",
                rng.random() < 0.8,
                rng.randint(1, 3),
            )
        if rng.random() < 0.3:
            db.session.add(
                AssistedSession(
                    helper_id=helper.id,
                    citizen_id=user.id,
                    locality_id=user.locality_id,
                    started_at=NOW - timedelta(days=rng.randint(0, 30)),
                )
            )
    db.session.commit()


def _brute(path: str) -> dict:
    people = [
        u for u in db.session.scalars(db.select(User)) if u.locality and u.locality.path.startswith(path)
    ]
    ids = {u.id for u in people}
    progress = [p for p in db.session.scalars(db.select(LessonProgress)) if p.user_id in ids]
    citizens = [u for u in people if u.kind == "citizen"]
    levels = [0] * 9
    for u in citizens:
        levels[compute_profile(u.id).overall] += 1
    from app.competency.models import Evidence

    contest = {e.user_id for e in db.session.scalars(db.select(Evidence)) if e.source == "contest"}
    sessions = [
        s
        for s in db.session.scalars(db.select(AssistedSession))
        if db.session.get(Locality, s.locality_id).path.startswith(path)
    ]
    return {
        "citizens": len(citizens),
        "officials": len(people) - len(citizens),
        "learners": len({p.user_id for p in progress}),
        "lessons_completed": sum(1 for p in progress if p.completed_at),
        "contest_participants": len(contest & ids),
        "assisted_sessions": len(sessions),
        **{f"level_{n}": levels[n] for n in range(9)},
    }


def test_unit_and_child_totals_equal_brute_force(ctx, make_locality, make_user):
    with time_machine.travel(NOW, tick=False):
        _world(make_locality, make_user)
        reports.refresh_reports(full=True)
        db.session.commit()
        for code in ("90", "901", "90201", "9010101"):
            path = db.session.scalar(db.select(Locality.path).where(Locality.code == code))
            totals = reports.unit_totals(path)
            expected = _brute(path)
            assert {k: totals[k] for k in expected} == expected, code
        province = db.session.scalar(db.select(Locality).where(Locality.code == "90"))
        children = reports.child_totals(province.id)
        assert [c["code"] for c in children] == ["901", "902"]
        for child in children:
            expected = _brute(f"/90/{child['code']}/")
            assert {k: child[k] for k in expected} == expected


def test_weekly_trend_counts_lessons_per_week(ctx, make_locality, make_user):
    with time_machine.travel(NOW, tick=False):
        _world(make_locality, make_user, seed=3)
        reports.refresh_reports(full=True)
        db.session.commit()
        weeks = reports.weekly_totals("/90/", weeks=8, today=NOW.date())
        assert len(weeks) == 8
        assert weeks[-1]["week_start"] == date(2025, 3, 10)
        first = weeks[0]["week_start"]
        expected = 0
        for p in db.session.scalars(db.select(LessonProgress)):
            if p.completed_at is not None:
                local = (p.completed_at.replace(tzinfo=UTC) + timedelta(hours=7)).date()
                if local >= first:
                    expected += 1
        assert sum(w["lessons_completed"] for w in weeks) == expected


def test_incremental_refresh_only_touches_changed_units(ctx, make_locality, make_user):
    # The world's events are all some minutes before the full refresh: an incremental run looks
    # back a little before the previous run's as-of time (reports.OVERLAP) and would recompute them.
    with time_machine.travel(NOW, tick=False):
        _world(make_locality, make_user, seed=5)
    with time_machine.travel(NOW + reports.OVERLAP + timedelta(minutes=1), tick=False):
        reports.refresh_reports(full=True)
        db.session.commit()
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        newcomer = make_user(locality="9020101")
        for q in range(10):
            record_evidence(newcomer.id, ["2.3", "4.2"], "practice", f"n{q}", True, 1)
        db.session.commit()
        run = reports.refresh_reports()
        db.session.commit()
        assert run.full is False
        assert run.localities == 1
        assert db.session.get(PersonLevel, newcomer.id).level == 4
        assert reports.unit_totals("/90/")["citizens"] == _brute("/90/")["citizens"]
        assert reports.unit_totals("/90/")["level_4"] == _brute("/90/")["level_4"]
        assert db.session.scalar(db.select(db.func.count()).select_from(ReportRefresh)) == 2


def test_refresh_command_shows_summary(runner, app, make_locality, make_user):
    make_locality("90", "Tỉnh Thử", "Tỉnh")
    make_user(locality="90")
    result = runner.invoke(args=["reports", "refresh", "--full"])
    assert result.exit_code == 0, result.output
    assert "1 units" in result.output
