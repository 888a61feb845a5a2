"""Brute-force figures: every dashboard figure counted row by row in Python over the raw tables
(people, lesson progress, sessions, evidence, assignments, enrollments, contest results), as of an
instant, on the current tree.

The definitions are written out again here, independently of the SQL in app.competency.reports
and app.contests.boards, so that a test comparing the two catches a wrong condition in either.
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.accounts.models import User
from app.competency.levels import compute_profile
from app.competency.models import STAT_FIGURES, Evidence
from app.core.extensions import db
from app.core.types import TZ
from app.learn.models import AssistedSession, LessonProgress
from app.localities.models import Locality
from app.training.models import TrainingAssignment, TrainingEnrollment


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _done_by(value: datetime | None, at: datetime) -> bool:
    return value is not None and _aware(value) <= at


def _home_figures(at: datetime) -> dict[int, dict[str, int]]:
    """Each home unit's own figures (people whose home unit it is), as of ``at``."""
    today = at.astimezone(TZ).date()
    own: dict[int, dict[str, int]] = {}

    def unit(locality_id: int) -> dict[str, int]:
        return own.setdefault(locality_id, dict.fromkeys(STAT_FIGURES, 0))

    home = {
        u.id: u for u in db.session.scalars(db.select(User))
        if u.locality_id is not None and _aware(u.created_at) <= at
    }
    for u in home.values():
        figures = unit(u.locality_id)
        if u.kind == "citizen":
            figures["citizens"] += 1
            figures[f"level_{compute_profile(u.id).overall}"] += 1
        elif u.kind == "official":
            figures["officials"] += 1
    learners: dict[int, set[int]] = {}
    for p in db.session.scalars(db.select(LessonProgress)):
        if p.user_id in home and _aware(p.started_at) <= at:
            learners.setdefault(home[p.user_id].locality_id, set()).add(p.user_id)
            unit(home[p.user_id].locality_id)["lessons_completed"] += _done_by(p.completed_at, at)
    for loc, people in learners.items():
        unit(loc)["learners"] = len(people)
    for s in db.session.scalars(db.select(AssistedSession)):
        if s.locality_id is not None and _aware(s.started_at) <= at:
            unit(s.locality_id)["assisted_sessions"] += 1
    contest: dict[int, set[int]] = {}
    for e in db.session.scalars(db.select(Evidence)):
        if e.source == "contest" and e.user_id in home and _aware(e.occurred_at) <= at:
            contest.setdefault(home[e.user_id].locality_id, set()).add(e.user_id)
    for loc, people in contest.items():
        unit(loc)["contest_participants"] = len(people)
    for enrollment in db.session.scalars(db.select(TrainingEnrollment)):
        assignment = db.session.get(TrainingAssignment, enrollment.assignment_id)
        if enrollment.user_id not in home or _aware(assignment.created_at) > at:
            continue
        figures = unit(home[enrollment.user_id].locality_id)
        figures["training_required"] += 1
        done = _done_by(enrollment.completed_at, at)
        figures["training_completed"] += done
        figures["training_overdue"] += (not done) and assignment.due_on < today
    return own


def brute_all(at: datetime) -> dict[str, dict[str, int]]:
    """Every current unit's figures over its subtree (by unit code), as of ``at``."""
    own = _home_figures(at)
    units = list(db.session.scalars(db.select(Locality)))
    path_of = {u.id: u.path for u in units}
    result = {}
    for unit in units:
        total = dict.fromkeys(STAT_FIGURES, 0)
        for loc, figures in own.items():
            if path_of[loc].startswith(unit.path):
                for key, value in figures.items():
                    total[key] += value
        result[unit.code] = total
    return result


def brute_figures(path: str, at: datetime) -> dict[str, int]:
    """The figures of the subtree at ``path`` (current tree, current home units) as of ``at``."""
    code = db.session.scalar(db.select(Locality.code).where(Locality.path == path))
    return brute_all(at)[code]


def brute_board(round_id: int, parent_path: str) -> dict[str, int]:
    """A round's participants (non-voided best results) per child of ``parent_path`` by code,
    placed by the locality recorded with each result, on the current tree."""
    from app.contests.models import ContestBestResult

    units = list(db.session.scalars(db.select(Locality)))
    path_of = {u.id: u.path for u in units}
    children = [u for u in units if u.parent_id is not None and path_of[u.parent_id] == parent_path]
    results = [r for r in db.session.scalars(db.select(ContestBestResult))
               if r.round_id == round_id and not r.voided]
    return {c.code: len({r.user_id for r in results if path_of[r.locality_id].startswith(c.path)})
            for c in children}
