"""Brute-force figures: every dashboard figure of a unit counted row by row in Python over the raw
tables (people, lesson progress, sessions, evidence, assignments, enrollments), as of an instant.

The definitions are written out again here, independently of the SQL in app.competency.reports,
so that a test comparing the two catches a wrong condition in either.
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


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else (value if value.tzinfo else value.replace(tzinfo=UTC))


def _by(rows, at: datetime):
    return [r for r in rows if r is not None and _aware(r) <= at]


def brute_figures(path: str, at: datetime) -> dict[str, int]:
    """The figures of the subtree at ``path`` (current tree, current home units) as of ``at``."""
    today = at.astimezone(TZ).date()
    paths = {loc.id: loc.path for loc in db.session.scalars(db.select(Locality))}
    people = [
        u for u in db.session.scalars(db.select(User))
        if u.locality_id is not None and paths[u.locality_id].startswith(path) and _aware(u.created_at) <= at
    ]
    ids = {u.id for u in people}
    citizens = [u for u in people if u.kind == "citizen"]
    progress = [p for p in db.session.scalars(db.select(LessonProgress)) if p.user_id in ids]
    started = [p for p in progress if _aware(p.started_at) <= at]
    figures = dict.fromkeys(STAT_FIGURES, 0)
    figures["citizens"] = len(citizens)
    figures["officials"] = sum(1 for u in people if u.kind == "official")
    figures["learners"] = len({p.user_id for p in started})
    figures["lessons_completed"] = len(_by([p.completed_at for p in started], at))
    figures["assisted_sessions"] = sum(
        1 for s in db.session.scalars(db.select(AssistedSession))
        if s.locality_id is not None and paths[s.locality_id].startswith(path) and _aware(s.started_at) <= at
    )
    figures["contest_participants"] = len({
        e.user_id for e in db.session.scalars(db.select(Evidence))
        if e.source == "contest" and e.user_id in ids and _aware(e.occurred_at) <= at
    })
    for enrollment in db.session.scalars(db.select(TrainingEnrollment)):
        assignment = db.session.get(TrainingAssignment, enrollment.assignment_id)
        if enrollment.user_id not in ids or _aware(assignment.created_at) > at:
            continue
        figures["training_required"] += 1
        done = enrollment.completed_at is not None and _aware(enrollment.completed_at) <= at
        figures["training_completed"] += done
        figures["training_overdue"] += (not done) and assignment.due_on < today
    for u in citizens:
        figures[f"level_{compute_profile(u.id).overall}"] += 1
    return figures
