"""Figures over time: fresh within a tick of every event, dated, and kept per day.

A time machine walks the clock across five days (28 June – 2 July 2025, across the 1 July 2025
reorganization) with events in between; `flask reports tick` runs as cron would. After each day
the live figures equal a brute-force count, and at the end every kept day's figures are shown
again under that day's names and tree; a day without kept figures says so.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import time_machine

from app.accounts.models import User
from app.competency import reports
from app.competency.evidence import record_evidence
from app.competency.models import ReportDay
from app.core.extensions import db
from app.core.types import TZ
from app.learn.models import Course, Lesson, LessonProgress
from app.localities import reorganize
from app.localities.models import Locality, LocalityHistory
from app.localities.service import get_by_code
from app.training.models import TrainingEnrollment
from tests.competency.brute import brute_figures

NEW_LIST = """code,name,type,parent_code
90,Tỉnh Mới,Tỉnh,
90101,Tân Thành Mới,Xã,90
99001,Hợp Nhất,Xã,90
"""
MAPPING = """old_code,new_code,share
90101,90101,
90201,99001,
"""


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ).astimezone(UTC)


def _shown(code: str, view: reports.View) -> dict[str, int]:
    """A unit's figures as the dashboard service gives them for a view (by its path then)."""
    if view.valid_until:
        path = db.session.scalar(
            db.select(LocalityHistory.path).join(Locality, Locality.id == LocalityHistory.locality_id)
            .where(Locality.code == code, LocalityHistory.valid_until == view.valid_until)
        )
    else:
        path = get_by_code(code).path
    return reports.unit_totals(path, view)


def _units_now() -> list[str]:
    return sorted(db.session.scalars(db.select(Locality.code).where(Locality.dissolved_on.is_(None))))


def _expected_now(at: datetime) -> dict[str, dict[str, int]]:
    return {code: brute_figures(get_by_code(code).path, at) for code in _units_now()}


def test_each_day_keeps_its_own_figures_under_its_own_tree(ctx, tree, make_user, tmp_path):
    days = [date(2025, 6, 28) + timedelta(days=n) for n in range(5)]
    expected: dict[date, dict[str, dict[str, int]]] = {}
    with time_machine.travel(local(days[0], 9), tick=False):
        course = Course(slug="c", title="C", lessons=[Lesson(slug="l1", title="L1"), Lesson(slug="l2", title="L2")])
        db.session.add(course)
        a = make_user(locality="9010101", full_name="An")
        b = make_user(locality="9020101", full_name="Bình")
        make_user(locality="90201", kind="official", full_name="Cán Bộ")
        organizer = make_user(roles={"organizer": "90"}, full_name="Tổ Chức")
        db.session.add(LessonProgress(user_id=a.id, lesson_id=course.lessons[0].id))
        db.session.commit()
        reports.tick()
        db.session.commit()
        assert reports.figures_as_of() == local(days[0], 9)
    with time_machine.travel(local(days[0], 15), tick=False):
        progress = db.session.scalar(db.select(LessonProgress).where(LessonProgress.user_id == a.id))
        progress.completed_at = progress.updated_at = local(days[0], 15)
        record_evidence(b.id, ["2.3"], "contest", "q1", True, 2)
        db.session.commit()
        reports.tick()
        db.session.commit()
        expected[days[0]] = _expected_now(local(days[0], 15))
        assert reports.unit_totals("/90/") == expected[days[0]]["90"]
        assert reports.unit_totals("/90/")["lessons_completed"] == 1

    # Day 2: cron's first tick after midnight keeps yesterday's figures; then an assignment due the
    # same day, and Bình moves from district 902 to 901. (A move carries no timestamp: one made
    # between midnight and that first tick would count in the day before.)
    with time_machine.travel(local(days[1], 0, 1), tick=False):
        assert reports.tick().days == [days[0]]
        db.session.commit()
    with time_machine.travel(local(days[1], 10), tick=False):
        from app.training.service import create_assignment

        create_assignment(db.session.get(User, organizer.id), title="Kỹ năng số", course=course,
                          locality=get_by_code("90"), due_on=days[1], target_role="official")
        db.session.get(User, b.id).locality = get_by_code("9010101")
        db.session.commit()
        assert reports.tick().days == []
        db.session.commit()
        expected[days[1]] = _expected_now(local(days[1], 10))
        live = {code: reports.unit_totals(get_by_code(code).path) for code in _units_now()}
        assert live == expected[days[1]]
        assert live["902"]["citizens"] == 0
        assert live["901"]["citizens"] == 2
        assert live["90"]["training_required"] == 1
        assert live["90"]["training_overdue"] == 0

    # Day 3: nothing happens but the due date passes; the first tick after midnight counts it.
    with time_machine.travel(local(days[2], 0, 1), tick=False):
        result = reports.tick()
        db.session.commit()
        assert result.run.full is False
        assert result.days == [days[1]]
        assert reports.unit_totals("/90/")["training_overdue"] == 1
        expected[days[2]] = _expected_now(local(days[2], 0, 1))
        assert reports.unit_totals("/90/") == expected[days[2]]["90"]

    # Day 4: the reorganization of 1 July (902's commune merged into 99001), then new activity.
    with time_machine.travel(local(days[3], 0, 1), tick=False):
        reports.tick()
        db.session.commit()
    with time_machine.travel(local(days[3], 8), tick=False):
        (tmp_path / "new.csv").write_text(NEW_LIST, encoding="utf-8")
        (tmp_path / "map.csv").write_text(MAPPING, encoding="utf-8")
        plan = reorganize.load_plan(tmp_path / "new.csv", tmp_path / "map.csv")
        assert reorganize.validate_plan(plan, days[3]).ok
        reorganize.apply_plan(plan, days[3])
        db.session.commit()
    with time_machine.travel(local(days[3], 11), tick=False):
        enrollment = db.session.scalar(db.select(TrainingEnrollment))
        enrollment.completed_at = local(days[3], 11)
        db.session.add(LessonProgress(user_id=b.id, lesson_id=course.lessons[1].id))
        db.session.commit()
        reports.tick()
        db.session.commit()
        expected[days[3]] = _expected_now(local(days[3], 11))
        assert {code: reports.unit_totals(get_by_code(code).path) for code in _units_now()} == expected[days[3]]
        assert reports.unit_totals("/90/")["training_overdue"] == 0

    # Day 5: nothing new. Every kept day shows its own figures on its own tree.
    with time_machine.travel(local(days[4], 9), tick=False):
        reports.tick()
        db.session.commit()
        assert [d.day for d in db.session.scalars(db.select(ReportDay).order_by(ReportDay.day))] == days[:4]
        for day in days[:4]:
            view = reports.view_for(day)
            assert not view.missing
            assert view.as_of is not None
            for code, figures in expected[day].items():
                assert _shown(code, view) == figures, (day, code)
        before = reports.view_for(days[1])
        assert before.valid_until == date(2025, 7, 1)
        assert _shown("902", before)["officials"] == 1  # district 902 still exists on 30 June
        assert reports.view_for(days[3]).valid_until is None
        # The same date never gives another date's figures; a date without kept figures says so.
        assert _shown("90", reports.view_for(days[1]))["training_overdue"] == 0
        assert _shown("90", reports.view_for(days[2]))["training_overdue"] == 1
        nothing = reports.view_for(date(2025, 1, 1))
        assert nothing.missing
        assert reports.unit_totals("/90/", nothing)["citizens"] == 0


def test_a_day_without_figures_says_so_on_the_page(client, app, login, tree, make_user):
    make_user(locality="9010101")
    with app.app_context():
        reports.tick()
        db.session.commit()
        as_of = reports.figures_as_of()
    login(make_user(roles={"manager": "90"}))
    page = client.get("/insights/unit/90").get_data(as_text=True)
    with app.test_request_context():
        from app.competency.routes import as_of_text

        assert as_of_text(reports.View(as_of=as_of)) in page
        missing = as_of_text(reports.View(day=date(2025, 1, 1), missing=True))
    page = client.get("/insights/unit/90?on=2025-01-01").get_data(as_text=True)
    assert missing in page


def test_full_refresh_is_idempotent_and_agrees_with_the_ticks(ctx, tree, make_user):
    with time_machine.travel(local(date(2025, 6, 29), 9), tick=False):
        for code in ("9010101", "9020101", "90101"):
            person = make_user(locality=code)
            record_evidence(person.id, ["2.3"], "contest", "q", True, 1)
        db.session.commit()
        reports.tick()
        db.session.commit()
        ticked = reports.unit_totals("/90/")
        reports.refresh_reports(full=True)
        db.session.commit()
        once = {code: reports.unit_totals(get_by_code(code).path) for code in _units_now()}
        reports.refresh_reports(full=True)
        db.session.commit()
        twice = {code: reports.unit_totals(get_by_code(code).path) for code in _units_now()}
        assert once == twice
        assert once["90"] == ticked
        assert ticked["contest_participants"] == 3


def test_the_tick_command_keeps_days_and_says_as_of_when(runner, app, tree, make_user):
    make_user(locality="9010101")
    with time_machine.travel(local(date(2025, 6, 29), 23, 50), tick=False):
        first = runner.invoke(args=["reports", "tick"])
    with time_machine.travel(local(date(2025, 6, 30), 0, 1), tick=False):
        second = runner.invoke(args=["reports", "tick"])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "as of 2025-06-29 23:50:00" in first.output
    assert "Kept the figures of 2025-06-29." in second.output
    with app.app_context():
        assert db.session.get(ReportDay, date(2025, 6, 29)).as_of == reports.day_end(date(2025, 6, 29))


def test_a_refresh_counts_what_its_own_session_has_not_flushed_yet(ctx, tree, make_user):
    """Rows added in the same transaction get their timestamps before the refresh's as-of time."""
    person = make_user(locality="9010101")
    course = Course(slug="c", title="C", lessons=[Lesson(slug="l1", title="L1")])
    db.session.add(course)
    db.session.commit()
    db.session.add(LessonProgress(user_id=person.id, lesson_id=course.lessons[0].id))
    reports.refresh_reports(full=True)
    db.session.commit()
    assert reports.unit_totals("/90/")["learners"] == 1
