"""Extra time and extra attempts granted to one participant of a round (issue 15, item 4).

An organizer grants them with a reason (a disability, a proven outage); every grant is audited
and they add up. ``start_attempt`` reads ``allowance_of``: the round's attempt limit plus the extra
attempts, and the time limit plus the extra seconds; extra minutes also move the deadline of an
attempt in progress. An attempt still ends when the round closes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, NamedTuple

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.contests.models import ContestAllowance, ContestAttempt, ContestEntry, ContestRound
from app.core import audit
from app.core.extensions import db
from app.core.types import utcnow

MAX_EXTRA_SECONDS = 3600
MAX_EXTRA_ATTEMPTS = 5


class AllowanceError(ValueError):
    """A grant was refused; the message is shown to the organizer."""


class Allowance(NamedTuple):
    extra_seconds: int
    extra_attempts: int


def allowance_of(round_id: int, user_id: int) -> Allowance:
    """The sum of what was granted to ``user_id`` in the round (zeros when nothing was)."""
    A = ContestAllowance
    row = db.session.execute(
        select(func.coalesce(func.sum(A.extra_seconds), 0), func.coalesce(func.sum(A.extra_attempts), 0)).where(
            A.round_id == round_id, A.user_id == user_id
        )
    ).one()
    return Allowance(int(row[0]), int(row[1]))


def grant_allowance(
    round_: ContestRound, entry: ContestEntry, actor: Any, extra_minutes: int, extra_attempts: int, reason: str
) -> ContestAllowance:
    """Grant ``entry``'s person extra minutes and/or attempts in ``round_`` (audited; caller commits)."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise AllowanceError(_("Give a reason."))
    if entry.contest_id != round_.contest_id:
        raise AllowanceError(_("This person is not registered for this contest."))
    seconds = int(extra_minutes or 0) * 60
    attempts = int(extra_attempts or 0)
    if seconds < 0 or attempts < 0 or (seconds == 0 and attempts == 0):
        raise AllowanceError(_("Grant extra minutes, an extra attempt or both."))
    if seconds > MAX_EXTRA_SECONDS or attempts > MAX_EXTRA_ATTEMPTS:
        raise AllowanceError(
            _("At most %(m)s extra minutes and %(a)s extra attempts at a time.",
              m=MAX_EXTRA_SECONDS // 60, a=MAX_EXTRA_ATTEMPTS)
        )
    grant = ContestAllowance(
        round_id=round_.id, user_id=entry.user_id, extra_seconds=seconds, extra_attempts=attempts,
        reason=reason[:300], granted_by_id=getattr(actor, "id", None), granted_at=utcnow(),
    )
    db.session.add(grant)
    if seconds:  # an attempt in progress (e.g. during an outage) gets the time too
        current = db.session.scalar(select(ContestAttempt).where(
            ContestAttempt.round_id == round_.id, ContestAttempt.user_id == entry.user_id,
            ContestAttempt.status == "open"))
        if current is not None:
            current.deadline = min(current.deadline + timedelta(seconds=seconds), round_.closes_at)
    db.session.flush()
    audit.record(
        actor, "contest.grant_allowance", "contest_entry", entry.id,
        context=f"/contest/{round_.contest_id}/round/{round_.id}/",
        person=entry.full_name, extra_minutes=seconds // 60, extra_attempts=attempts, reason=reason[:300],
    )
    return grant


def allowances_in(round_: ContestRound) -> list[tuple[ContestAllowance, str]]:
    """Every grant of the round with the person's registered name, newest first."""
    A = ContestAllowance
    return [
        (grant, name)
        for grant, name in db.session.execute(
            select(A, ContestEntry.full_name)
            .join(ContestEntry, (ContestEntry.user_id == A.user_id) & (ContestEntry.contest_id == round_.contest_id))
            .where(A.round_id == round_.id)
            .order_by(A.granted_at.desc(), A.id.desc())
        ).all()
    ]
