"""Training reminders through the outbox (``app.core.messaging``), enqueued by ``collect`` (run by
``flask notify send``):

- to each person with an unfinished assignment: once when it is due within ``REMINDER_DAYS`` (7)
  days, once more when it is overdue (one campaign per assignment and state);
- to each manager: a weekly digest of the people of their area who are overdue or due soon
  (one per ISO week, only when there is someone to name).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import RoleGrant, User
from app.core import messaging
from app.core.extensions import db
from app.core.templating import local_date
from app.core.types import TZ
from app.training import service as training
from app.training.models import TrainingAssignment, TrainingEnrollment


def _open_enrollments(today: date) -> list[TrainingEnrollment]:
    horizon = today + timedelta(days=training.REMINDER_DAYS)
    enrollments = list(db.session.scalars(
        select(TrainingEnrollment).join(TrainingAssignment)
        .where(TrainingEnrollment.completed_at.is_(None), TrainingAssignment.due_on <= horizon)
    ))
    training.update_progress(enrollments)  # someone who just finished is not reminded
    return [e for e in enrollments if e.completed_at is None]


def enqueue_person_reminders(today: date) -> int:
    """Reminders to people whose assignment is due within 7 days or overdue (each once per state)."""
    by_key: dict[tuple[int, str], list[TrainingEnrollment]] = defaultdict(list)
    for e in _open_enrollments(today):
        state = "overdue" if today > e.assignment.due_on else "due"
        by_key[(e.assignment_id, state)].append(e)
    total = 0
    for (assignment_id, state), enrollments in sorted(by_key.items()):
        assignment = enrollments[0].assignment
        key = f"training:{assignment_id}:{state}"
        kind = "training_overdue" if state == "overdue" else "training_due"
        campaign = messaging.campaign(key, kind, assignment.title, assignment.locality_id)
        link = messaging.public_url("training.mine")

        def render(person, assignment=assignment, state=state, link=link) -> messaging.Content:
            due = local_date(assignment.due_on)
            if state == "overdue":
                subject = _("Overdue training: %(title)s", title=assignment.title)
                body = _("Hello %(name)s, the required training \"%(title)s\" was due on %(due)s and is not "
                         "completed yet. Please complete it: %(link)s", name=person.full_name,
                         title=assignment.title, due=due, link=link)
            else:
                subject = _("Training due on %(due)s: %(title)s", due=due, title=assignment.title)
                body = _("Hello %(name)s, the required training \"%(title)s\" is due on %(due)s. "
                         "Continue here: %(link)s", name=person.full_name, title=assignment.title, due=due,
                         link=link)
            return messaging.Content(subject, body, {"name": person.full_name, "title": assignment.title,
                                                     "due": due, "link": link})

        people = [e.user for e in enrollments if e.user.active]
        total += messaging.enqueue(kind, people, render, key, campaign).queued
    return total


def enqueue_manager_digests(today: date) -> int:
    """One digest per manager and ISO week naming how many of their people are overdue or due."""
    year, week, _day = today.isocalendar()
    key = f"training:digest:{year}-W{week:02d}"
    managers = list(db.session.scalars(
        select(User).where(User.active, User.id.in_(select(RoleGrant.user_id).where(RoleGrant.role == "manager")))
    ))
    counts = {}
    for manager in managers:
        states = [state for _e, state in training.reminders(manager, today)]
        if states:
            counts[manager.id] = (states.count("overdue"), len(states) - states.count("overdue"))
    if not counts:
        return 0
    campaign = messaging.campaign(key, "training_digest", f"{year}-W{week:02d}", None)
    link = messaging.public_url("training.reminders")

    def render(person) -> messaging.Content:
        overdue, due = counts[person.id]
        return messaging.Content(
            _("Training in your area: %(overdue)s overdue, %(due)s due within 7 days", overdue=overdue, due=due),
            _("Hello %(name)s, in your area %(overdue)s people are overdue with their required training and "
              "%(due)s more are due within 7 days. The list: %(link)s", name=person.full_name, overdue=overdue,
              due=due, link=link),
            {"name": person.full_name, "overdue": overdue, "due": due, "link": link},
        )

    people = [m for m in managers if m.id in counts]
    return messaging.enqueue("training_digest", people, render, key, campaign).queued


def collect(now: datetime) -> int:
    """Everything about training that became due on the day (Asia/Ho_Chi_Minh) of ``now``."""
    today = now.astimezone(TZ).date()
    return enqueue_person_reminders(today) + enqueue_manager_digests(today)
