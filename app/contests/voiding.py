"""Voiding and restoring participants, with what each will change, and helpers' registrations
(issue 15, items 5, 6 and 7).

Every void and restore is an organizer's decision with a reason: it is audited and kept as a
``ContestVoidEvent`` (who, when, why), so the list of voided participants and each one's history
can be shown. Before acting, ``void_impact`` / ``restore_impact`` / ``finalize_impact`` say what
will change, in numbers the confirmation page shows ("2 prizes will be reassigned").

A finalized round keeps its frozen ranking after a void or a restore (a gap where a voided person
was, no rank for a restored one) until the organizer finalizes it again; ``fresh_ranking`` is what
finalizing would write, and the tests hold ranks, prizes, tallies and boards to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, func, select, update

from app.accounts.models import User
from app.accounts.scope import in_scope, scope_filter, scope_paths
from app.accounts.service import normalize_phone
from app.contests import ranking, results
from app.contests import service as contest_service
from app.contests.boards import get_board, tally_source, tally_upsert
from app.contests.models import (
    Contest,
    ContestAssistedEntry,
    ContestBestResult,
    ContestEntry,
    ContestFinalRank,
    ContestRound,
    ContestVoidEvent,
)
from app.core import audit
from app.core.database import execute_compiled
from app.core.extensions import db
from app.core.text import fold
from app.core.types import utcnow
from app.localities.models import Locality

R = ContestBestResult
F = ContestFinalRank
HELPER_ROLES = ("helper",)


class VoidingError(ValueError):
    """A void, restore or assisted registration was refused; the message is shown."""


def _reason(reason: str | None) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise VoidingError(_("Give a reason."))
    return reason[:300]


def void_participant(entry: ContestEntry, actor: Any, reason: str) -> ContestVoidEvent:
    """Void ``entry``'s results in the whole contest (``contest_service.void_entry``: boards,
    tallies, frozen ranks, certificates) and keep who, when and why (caller commits)."""
    reason = _reason(reason)
    if entry.voided_at is not None:
        raise VoidingError(_("This participant is already voided."))
    contest_service.void_entry(entry, actor, reason)
    event = ContestVoidEvent(entry_id=entry.id, action="void", reason=reason,
                             actor_id=getattr(actor, "id", None), at=entry.voided_at or utcnow())
    db.session.add(event)
    db.session.flush()
    return event


def restore_participant(entry: ContestEntry, actor: Any, reason: str) -> ContestVoidEvent:
    """Undo a void: the person's best results count again on live boards and in the tallies
    (exactly as if they had just submitted them). A finalized round ranks them when it is
    finalized again. Audited and kept as an event (caller commits)."""
    reason = _reason(reason)
    if entry.voided_at is None:
        raise VoidingError(_("This participant is not voided."))
    entry.voided_at = None
    entry.void_reason = None
    back = db.session.execute(
        update(R).where(R.entry_id == entry.id, R.voided.is_(True)).values(voided=False)
        .returning(R.round_id, R.user_id, R.grp, R.locality_id, R.score, R.duration_ms, R.submitted_s)
        .execution_options(synchronize_session=False)
    ).all()
    board = get_board()
    rounds = {r.id: r for r in db.session.scalars(select(ContestRound).where(ContestRound.contest_id == entry.contest_id))}
    for row in back:
        execute_compiled(
            "locality-tally", lambda dialect: tally_upsert(dialect, tally_source()),
            {"round_id": row.round_id, "grp": row.grp, "locality_id": row.locality_id, "score": row.score,
             "previous_score": None, "voided": False},
        )
        board.record(rounds[row.round_id], row)  # type: ignore[arg-type]  # a row with the same fields
    for round_ in rounds.values():
        results.after_ranking_changed(round_)
    audit.record(actor, "contest.restore_entry", "contest_entry", entry.id,
                 context=contest_service.contest_context(entry.contest_id), person=entry.full_name, reason=reason)
    event = ContestVoidEvent(entry_id=entry.id, action="restore", reason=reason,
                             actor_id=getattr(actor, "id", None), at=utcnow())
    db.session.add(event)
    db.session.flush()
    return event


@dataclass
class Impact:
    """What an action will change, for its confirmation page."""

    lines: list[str] = field(default_factory=list)
    prizes_changed: int = 0


def _prize_for(prizes: list[dict] | None, rank: int) -> str | None:
    upto = 0
    for prize in prizes or []:
        count = int(prize.get("count", 0))
        if count > 0:
            upto += count
            if rank <= upto:
                return str(prize["label"])[:80]
    return None


def fresh_ranking(round_: ContestRound, top: int | None = None) -> dict[int, tuple[str, int, str | None]]:
    """What finalizing the round now would write: user id → (group, rank, prize), from the
    non-voided best results in ``app.contests.ranking``'s final order (the first ``top`` per group)."""
    live = and_(R.round_id == round_.id, R.voided.is_(False))
    actual = db.session.scalar(select(func.count()).select_from(R).where(live, R.all_correct)) or 0
    order = ranking.final_order_by(round_.criteria, actual)
    out = {}
    for grp in round_.contest.groups:
        query = select(R.user_id).where(live, R.grp == grp).order_by(*order)
        for rank, user_id in enumerate(db.session.scalars(query.limit(top) if top else query), start=1):
            out[user_id] = (grp, rank, _prize_for(round_.prizes, rank))
    return out


def _prize_places(round_: ContestRound) -> int:
    return sum(max(0, int(p.get("count", 0))) for p in round_.prizes or [])


def finalize_impact(round_: ContestRound) -> Impact:
    """What finalizing (or finalizing again) will change: how many are ranked, how many prizes
    go to someone else than now."""
    live = and_(R.round_id == round_.id, R.voided.is_(False))
    ranked = db.session.scalar(select(func.count()).select_from(R).where(live)) or 0
    places = _prize_places(round_)
    fresh = {u: v[2] for u, v in fresh_ranking(round_, places or 1).items() if v[2]} if places else {}
    current: dict[int, str | None] = {}
    for user_id, prize in db.session.execute(
        select(F.user_id, F.prize).where(F.round_id == round_.id, F.prize.is_not(None))
    ):
        current[user_id] = prize
    changed = len([u for u in set(fresh) | set(current) if fresh.get(u) != current.get(u)])
    impact = Impact(prizes_changed=changed)
    if round_.finalized_at is None:
        impact.lines.append(_("%(n)s participants will be ranked.", n=ranked))
        impact.lines.append(_("%(n)s prizes will be awarded.", n=len(fresh)))
    else:
        impact.lines.append(_("The final ranking of %(n)s participants will be computed again.", n=ranked))
        impact.lines.append(_("%(n)s prizes will be reassigned.", n=changed))
        if round_.results_published_at is not None and changed:
            impact.lines.append(_("The published results and certificates will follow the new ranking."))
    return impact


def _ranks_of(entry: ContestEntry) -> list[Any]:
    return list(db.session.execute(
        select(ContestRound.number, F.final_rank, F.prize)
        .join(ContestRound, ContestRound.id == F.round_id)
        .where(ContestRound.contest_id == entry.contest_id, F.user_id == entry.user_id, F.round_id == ContestRound.id)
        .order_by(ContestRound.number)
    ).all())


def _results_count(entry: ContestEntry) -> int:
    return db.session.scalar(select(func.count()).select_from(R).where(R.entry_id == entry.id)) or 0


def void_impact(entry: ContestEntry) -> Impact:
    """What voiding ``entry`` will change."""
    impact = Impact()
    impact.lines.append(_("%(name)s's results leave the boards and tallies of %(n)s rounds.",
                          name=entry.full_name, n=_results_count(entry)))
    for number, rank, prize in _ranks_of(entry):
        if prize:
            impact.prizes_changed += 1
            impact.lines.append(_(
                "Round %(round)s: rank %(rank)s and the prize \"%(prize)s\" are withdrawn (with any "
                "certificate); finalize the round again to pass the prize on.", round=number, rank=rank, prize=prize))
        else:
            impact.lines.append(_("Round %(round)s: final rank %(rank)s is removed; the others keep theirs "
                                  "until the round is finalized again.", round=number, rank=rank))
    impact.lines.append(_("An attempt in progress is closed. Nothing else is deleted: you can restore them."))
    return impact


def restore_impact(entry: ContestEntry) -> Impact:
    """What restoring ``entry`` will change."""
    impact = Impact()
    impact.lines.append(_("%(name)s's results return to the boards and tallies of %(n)s rounds.",
                          name=entry.full_name, n=_results_count(entry)))
    finalized = db.session.scalars(
        select(ContestRound.number).join(R, R.round_id == ContestRound.id)
        .where(R.entry_id == entry.id, ContestRound.finalized_at.is_not(None)).order_by(ContestRound.number)
    ).all()
    for number in finalized:
        impact.lines.append(_("Round %(round)s is finalized: they are ranked (and prizes may be reassigned) "
                              "only when you finalize it again.", round=number))
    return impact


def find_entry(contest: Contest, entry_id: int) -> ContestEntry | None:
    """The contest's registration ``entry_id``, or None."""
    entry = db.session.get(ContestEntry, entry_id)
    return entry if entry is not None and entry.contest_id == contest.id else None


def search_participants(contest: Contest, term: str, limit: int = 50) -> list[ContestEntry]:
    """Registrations of ``contest`` whose name contains ``term`` (accents and case ignored) or
    whose phone is ``term``."""
    term = (term or "").strip()[:120]
    if not term:
        return []
    phone = normalize_phone(term)
    folded = fold(term)
    condition = ContestEntry.phone == phone if phone else User.search_name.contains(folded, autoescape=True)
    found = list(db.session.scalars(
        select(ContestEntry).join(User, User.id == ContestEntry.user_id)
        .where(ContestEntry.contest_id == contest.id, condition)
        .order_by(ContestEntry.full_name, ContestEntry.id).limit(limit)
    ))
    if phone is None:  # the name registered for the contest may differ from the account's
        extra = [e for e in db.session.scalars(
            select(ContestEntry).where(ContestEntry.contest_id == contest.id, ContestEntry.id.not_in([e.id for e in found]))
            .order_by(ContestEntry.full_name, ContestEntry.id).limit(2000)
        ) if folded in fold(e.full_name)]
        found.extend(extra[: max(0, limit - len(found))])
    return found


@dataclass
class VoidedRow:
    entry: ContestEntry
    at: datetime | None
    by: str | None
    reason: str | None


def voided_participants(contest: Contest) -> list[VoidedRow]:
    """The contest's voided participants with who voided them, when and why (latest first)."""
    entries = list(db.session.scalars(
        select(ContestEntry).where(ContestEntry.contest_id == contest.id, ContestEntry.voided_at.is_not(None))
        .order_by(ContestEntry.voided_at.desc())
    ))
    events = {}
    if entries:
        rows = db.session.execute(
            select(ContestVoidEvent, User.full_name).outerjoin(User, User.id == ContestVoidEvent.actor_id)
            .where(ContestVoidEvent.entry_id.in_([e.id for e in entries]), ContestVoidEvent.action == "void")
            .order_by(ContestVoidEvent.at, ContestVoidEvent.id)
        ).all()
        events = {event.entry_id: (event, name) for event, name in rows}
    out = []
    for entry in entries:
        event, name = events.get(entry.id, (None, None))
        out.append(VoidedRow(entry, entry.voided_at, name, event.reason if event else entry.void_reason))
    return out


def history(entry: ContestEntry) -> list[tuple[ContestVoidEvent, str | None]]:
    """Every void and restore of ``entry`` with the organizer's name, oldest first."""
    return [tuple(row) for row in db.session.execute(
        select(ContestVoidEvent, User.full_name).outerjoin(User, User.id == ContestVoidEvent.actor_id)
        .where(ContestVoidEvent.entry_id == entry.id).order_by(ContestVoidEvent.at, ContestVoidEvent.id)
    ).all()]


def can_assist(helper: User, contest: Contest) -> bool:
    """True when ``helper`` helps people in part of the contest's area (or over all of it)."""
    paths = scope_paths(helper, HELPER_ROLES)
    if paths is None:
        return True
    area = contest.eligibility.path
    return any(p.startswith(area) or area.startswith(p) for p in paths)


def helper_candidates(helper: User, contest: Contest, term: str, limit: int = 20) -> list[User]:
    """Citizens of the helper's area (and the contest's) whose name (accents ignored) or phone
    matches ``term``."""
    term = (term or "").strip()[:120]
    if not term:
        return []
    phone = normalize_phone(term)
    condition = User.phone == phone if phone else User.search_name.contains(fold(term), autoescape=True)
    return list(db.session.scalars(
        select(User).join(Locality, Locality.id == User.locality_id)
        .where(condition, User.kind == "citizen", User.id != helper.id, User.active,
               scope_filter(helper, HELPER_ROLES, Locality.path), Locality.path.startswith(contest.eligibility.path))
        .order_by(User.full_name, User.id).limit(limit)
    ))


def registered_among(contest: Contest, user_ids: list[int]) -> set[int]:
    """Which of ``user_ids`` are registered for ``contest``."""
    if not user_ids:
        return set()
    return set(db.session.scalars(select(ContestEntry.user_id).where(
        ContestEntry.contest_id == contest.id, ContestEntry.user_id.in_(user_ids))))


def register_assisted(helper: User, contest: Contest, citizen: User, grp: str = "citizen") -> ContestEntry:
    """A community helper registers someone of their area for ``contest`` (a citizen without a phone,
    or at the commune office). The registration counts and is audited under the helper's name, and
    it does not count towards the accounts-per-address signal (caller commits)."""
    if citizen.id == helper.id or not in_scope(helper, HELPER_ROLES, citizen.locality):
        raise VoidingError(_("This person is not in your area."))
    try:
        entry = contest_service.register_entry(
            contest, citizen, grp, citizen.full_name, citizen.birth_year, citizen.locality
        )
    except contest_service.ContestError as exc:
        raise VoidingError(str(exc)) from exc
    db.session.add(ContestAssistedEntry(entry_id=entry.id, helper_id=helper.id, registered_at=utcnow()))
    db.session.flush()
    audit.record(helper, "contest.assisted_registration", "contest_entry", entry.id,
                 context=contest_service.contest_context(contest.id), person=entry.full_name)
    return entry


def assisted_by(helper: User, contest: Contest) -> list[ContestEntry]:
    """The registrations ``helper`` made for others in ``contest``, newest first."""
    return list(db.session.scalars(
        select(ContestEntry).join(ContestAssistedEntry, ContestAssistedEntry.entry_id == ContestEntry.id)
        .where(ContestAssistedEntry.helper_id == helper.id, ContestEntry.contest_id == contest.id)
        .order_by(ContestEntry.registered_at.desc(), ContestEntry.id.desc())
    ))
