"""Contests and rounds: editing (audited while a round runs), registration, voiding, finalize."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import (
    String,
    and_,
    case,
    delete,
    event,
    func,
    insert,
    literal,
    null,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import User, WorkplaceUnit
from app.accounts.service import find_or_create_unit
from app.contests import ranking, results
from app.contests.attempts import expire_overdue
from app.contests.boards import get_board, rebuild_boards, remove_from_tallies
from app.contests.models import (
    CONTEST_GROUPS,
    Contest,
    ContestAttempt,
    ContestBestResult,
    ContestEntry,
    ContestFinalRank,
    ContestLocalityTally,
    ContestRound,
)
from app.core import audit
from app.core.cache import cached, forget
from app.core.dialect import replace_partition
from app.core.extensions import db
from app.core.types import utcnow
from app.localities.models import Locality
from app.localities.service import subtree_clause

ROUND_FIELDS = (
    "title",
    "opens_at",
    "closes_at",
    "question_count",
    "draw",
    "time_limit_seconds",
    "attempts_allowed",
    "grace_seconds",
    "prediction_enabled",
    "prizes",
    "criteria",
    "review_after_close",
    "auto_finalize",
)
MAX_TIME_LIMIT = 3600  # the packed Redis score holds durations up to 69 minutes exactly
MAX_WINDOW_DAYS = 45  # ... and submission offsets up to 48 days


class ContestError(ValueError):
    """A rule about contests was broken; the message is shown to the person."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def get_contest(slug: str) -> Contest | None:
    return db.session.scalar(select(Contest).where(Contest.slug == slug))


def get_round(contest: Contest, number: int) -> ContestRound | None:
    return db.session.scalar(
        select(ContestRound).where(ContestRound.contest_id == contest.id, ContestRound.number == number)
    )


def get_round_by_slug(slug: str, number: int) -> ContestRound | None:
    """Round ``number`` of the contest ``slug`` (its contest loaded with it), or None."""
    return db.session.scalar(
        select(ContestRound)
        .join(Contest, Contest.id == ContestRound.contest_id)
        .where(Contest.slug == slug, ContestRound.number == number)
    )


def board_round(slug: str, number: int) -> ContestRound | None:
    """``get_round_by_slug`` for the public board reads, kept per worker for
    ``BOARD_ROUND_SECONDS`` (default 5) as a detached, read-only copy (round, contest, eligibility).

    A board read is then Redis alone (plus the token check for an own rank). Any change to a
    round or contest flushed in this process drops the copies at once (``forget_board_rounds``
    runs on every flush that touches one); other workers see it within the TTL, so a board can
    show the live ranking for a few seconds after another worker finalizes. Never used to start,
    save or submit an attempt.
    """
    ttl = float(current_app.config.get("BOARD_ROUND_SECONDS", 5))

    def load() -> ContestRound | None:
        round_ = get_round_by_slug(slug, number)
        if round_ is not None and ttl > 0:
            # Detach the three loaded objects so later commits in this session cannot expire them.
            for obj in (round_.contest.eligibility, round_.contest, round_):
                if obj in db.session:
                    db.session.expunge(obj)
        return round_

    return cached("board_rounds", (slug, number), ttl, load, keep=lambda found: found is not None)


def forget_board_rounds() -> None:
    """Drop this worker's cached board rounds (``board_round``)."""
    forget("board_rounds")


@event.listens_for(Session, "before_flush")
def _rounds_changed(session, _context, _instances) -> None:
    if any(isinstance(obj, (Contest, ContestRound)) for obj in (*session.new, *session.dirty, *session.deleted)):
        forget_board_rounds()


def public_contests() -> list[Contest]:
    """Published contests, newest first."""
    return list(db.session.scalars(select(Contest).where(Contest.published).order_by(Contest.id.desc())))


def save_contest(contest: Contest | None, actor: User, **values) -> Contest:
    """Create or update a contest (caller commits); groups must be among citizen/official."""
    groups = [g for g in values.get("groups") or [] if g in CONTEST_GROUPS]
    if not groups:
        raise ContestError(_("Choose at least one audience group."), "groups")
    values["groups"] = groups
    created = contest is None
    try:
        # Added and changed inside the savepoint: when it is rolled back (a duplicate short name),
        # a new contest leaves the session and a changed one is reloaded, so that nothing flushes
        # the refused values again while the form is shown (that was a 500).
        with db.session.begin_nested():
            if contest is None:
                contest = Contest(created_by_id=actor.id)
                db.session.add(contest)
            for key, value in values.items():
                setattr(contest, key, value)
            db.session.flush()
    except IntegrityError as exc:
        raise ContestError(_("Another contest already uses this short name."), "slug") from exc
    audit.record(
        actor, "contest.create" if created else "contest.update", "contest", contest.id,
        context=contest_context(contest.id), slug=contest.slug,
    )
    return contest


def check_round_values(values: dict) -> None:
    """Validate a round's settings; raises ContestError naming the field."""
    opens, closes = values["opens_at"], values["closes_at"]
    if closes <= opens:
        raise ContestError(_("The round must close after it opens."), "closes_at")
    if closes - opens > timedelta(days=MAX_WINDOW_DAYS):
        raise ContestError(_("A round lasts at most %(n)s days.", n=MAX_WINDOW_DAYS), "closes_at")
    if not 1 <= values["time_limit_seconds"] <= MAX_TIME_LIMIT:
        raise ContestError(_("The time limit must be 1 to 60 minutes."), "time_limit")
    if not 1 <= values["question_count"] <= 100:
        raise ContestError(_("A round has 1 to 100 questions."), "question_count")
    if not values["draw"].get("banks"):
        raise ContestError(_("Choose at least one question bank."), "banks")
    try:
        ranking.validate_criteria(values["criteria"])
    except ValueError as exc:
        raise ContestError(
            _("The ranking criteria must be distinct and include the score."), "criteria"
        ) from exc


def save_round(
    contest: Contest, round_: ContestRound | None, actor: User, now: datetime | None = None, **values
) -> ContestRound:
    """Create or update a round (caller commits). Every change to a round that has opened is
    written to the audit log with the old and new values of each changed field."""
    now = now or utcnow()
    check_round_values(values)
    if round_ is None:
        number = (
            db.session.scalar(
                select(func.max(ContestRound.number)).where(ContestRound.contest_id == contest.id)
            )
            or 0
        ) + 1
        round_ = ContestRound(contest_id=contest.id, number=number, **values)
        db.session.add(round_)
        db.session.flush()
        audit.record(actor, "round.create", "contest_round", round_.id, context=round_context(round_),
                     contest=contest.slug, number=number)
        return round_
    if round_.finalized_at is not None:
        raise ContestError(_("A finalized round cannot be changed."))
    changes = {}
    for key in ROUND_FIELDS:
        old = getattr(round_, key)
        new = values.get(key, old)
        if old != new:
            changes[key] = [_plain(old), _plain(new)]
            setattr(round_, key, new)
    opened_at = datetime.fromisoformat(changes["opens_at"][0]) if "opens_at" in changes else round_.opens_at
    running = opened_at <= now
    if changes:
        audit.record(
            actor,
            "round.change_running" if running else "round.update",
            "contest_round",
            round_.id,
            context=round_context(round_),
            changes=changes,
        )
        if "criteria" in changes:
            db.session.flush()
            rebuild_boards([round_])
    return round_


def contest_context(contest_id: int) -> str:
    """Where a contest's changes are filed in the audit (filtered by this prefix)."""
    return f"/contest/{contest_id}/"


def round_context(round_: ContestRound) -> str:
    """Where a round's changes are filed in the audit, inside its contest's."""
    return f"/contest/{round_.contest_id}/round/{round_.id}/"


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


def register_entry(
    contest: Contest,
    user: User,
    grp: str,
    full_name: str,
    birth_year: int | None,
    locality: Locality | None,
    unit_name: str | None = None,
) -> ContestEntry:
    """Register ``user`` (one entry per person and contest; the database decides duplicates)."""
    if grp not in contest.groups:
        raise ContestError(_("Choose one of the contest's groups."), "grp")
    if locality is None or not locality.path.startswith(contest.eligibility.path):
        raise ContestError(
            _("This contest is open to people of %(place)s only.", place=contest.eligibility.label),
            "locality",
        )
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise ContestError(_("Enter your full name."), "full_name")
    unit: WorkplaceUnit | None = None
    if grp == "official":
        if not unit_name:
            raise ContestError(_("Officials enter their workplace unit."), "unit")
        unit = find_or_create_unit(unit_name.strip()[:200], locality)
    entry = ContestEntry(
        contest_id=contest.id,
        user_id=user.id,
        grp=grp,
        full_name=full_name[:120],
        phone=user.phone,
        birth_year=birth_year,
        locality_id=locality.id,
        workplace_unit_id=unit.id if unit else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError as exc:
        raise ContestError(_("You are already registered for this contest."), "grp") from exc
    return entry


def entry_of(contest: Contest, user_id: int) -> ContestEntry | None:
    return db.session.scalar(
        select(ContestEntry).where(ContestEntry.contest_id == contest.id, ContestEntry.user_id == user_id)
    )


def void_entry(entry: ContestEntry, actor: User, reason: str) -> None:
    """Void a participant's results in the contest, with a reason (audited; boards updated)."""
    reason = (reason or "").strip()
    if not reason:
        raise ContestError(_("Give a reason."), "reason")
    entry.voided_at = utcnow()
    entry.void_reason = reason[:300]
    R = ContestBestResult
    removed = db.session.execute(
        update(R)
        .where(R.entry_id == entry.id, R.voided.is_(False))
        .values(voided=True)
        .returning(R.round_id, R.grp, R.locality_id, R.score)
        .execution_options(synchronize_session=False)
    ).all()
    remove_from_tallies(list(removed))
    # A finalized round keeps the others' ranks (a gap where the voided person was) and loses
    # the voided person's rank and prize.
    db.session.execute(
        delete(ContestFinalRank)
        .where(
            ContestFinalRank.user_id == entry.user_id,
            ContestFinalRank.round_id.in_(
                select(ContestRound.id).where(ContestRound.contest_id == entry.contest_id)
            ),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(ContestAttempt)
        .where(
            ContestAttempt.user_id == entry.user_id,
            ContestAttempt.status == "open",
            ContestAttempt.round_id.in_(
                select(ContestRound.id).where(ContestRound.contest_id == entry.contest_id)
            ),
        )
        .values(status="void")
        .execution_options(synchronize_session=False)
    )
    board = get_board()
    for round_ in db.session.scalars(select(ContestRound).where(ContestRound.contest_id == entry.contest_id)):
        board.remove(round_, entry.grp, entry.user_id)
        results.after_ranking_changed(round_)  # a published winner's certificate is revoked
    audit.record(actor, "contest.void_entry", "contest_entry", entry.id, context=contest_context(entry.contest_id),
                 person=entry.full_name, reason=reason)


def finalize_round(round_: ContestRound, actor: User | None = None, now: datetime | None = None) -> int:
    """Compute the final ranking with every criterion, freeze it and mark the winners.

    Closes overdue attempts and counts the all-correct participants (the prediction's answer).
    The frozen ranking is written to the narrow ``contest_final_ranks`` table, replacing the
    round's previous ranks: one ``INSERT ... SELECT ROW_NUMBER() OVER (ORDER BY ...)`` per group
    numbers the non-voided results in ``app.contests.ranking`` order and marks the
    winners in the same statement (``prizes`` counts, in order, per group); the wide best-result
    rows are not rewritten. Finalizes of one round run one after the other (the round's row is
    locked). Re-finalizing replaces everything. Returns the number of ranked results. Refused
    before the round closes.
    """
    now = now or utcnow()
    if not round_.is_closed(now):
        raise ContestError(_("A round can be finalized only after it closes."))
    db.session.execute(select(ContestRound.id).where(ContestRound.id == round_.id).with_for_update())
    expire_overdue(round_, now + timedelta(days=1))
    db.session.flush()
    R = ContestBestResult
    live = and_(R.round_id == round_.id, R.voided.is_(False))
    actual = db.session.scalar(select(func.count()).select_from(R).where(live, R.all_correct)) or 0
    round_.all_correct_count = actual
    order = ranking.final_order_by(round_.criteria, actual)
    selects = []
    # One INSERT per group: ROW_NUMBER() over integer sort keys only (no PARTITION BY on the
    # text group, whose collation-aware comparisons dominated the sort).
    for grp in round_.contest.groups:
        numbered = (
            select(R.user_id, func.row_number().over(order_by=order).label("final_rank"))
            .where(live, R.grp == grp)
            .subquery()
        )
        selects.append(
            select(
                literal(round_.id),
                literal(grp),
                numbered.c.final_rank,
                numbered.c.user_id,
                _prize_of(round_.prizes, numbered.c.final_rank),
            )
        )
    ranked = _replace_final_ranks(round_.id, selects)
    round_.finalized_at = now
    audit.record(actor, "round.finalize", "contest_round", round_.id, context=round_context(round_),
                 ranked=ranked, all_correct=actual)
    db.session.flush()  # before expire_all, which would discard unflushed changes
    db.session.expire_all()
    results.after_ranking_changed(round_)
    return ranked


def due_for_finalize(now: datetime | None = None) -> list[int]:
    """Ids of the rounds set to finalize by themselves whose submissions are over (closing time
    plus the grace for late submits) and that are not finalized yet."""
    now = now or utcnow()
    candidates = db.session.execute(
        select(ContestRound.id, ContestRound.closes_at, ContestRound.grace_seconds).where(
            ContestRound.auto_finalize, ContestRound.finalized_at.is_(None), ContestRound.closes_at <= now
        )
    ).all()
    return [rid for rid, closes, grace in candidates if closes + timedelta(seconds=grace) <= now]


def finalize_if_due(round_id: int, now: datetime | None = None) -> int | None:
    """Finalize one round found by ``due_for_finalize`` unless another run finalized it meanwhile
    (checked under the round's row lock, so two cron runs never finalize it twice); returns the
    number ranked, or None when there was nothing to do (caller commits)."""
    now = now or utcnow()
    db.session.execute(select(ContestRound.id).where(ContestRound.id == round_id).with_for_update())
    round_ = db.session.get(ContestRound, round_id, populate_existing=True)
    if round_ is None or round_.finalized_at is not None or not round_.auto_finalize:
        return None
    return finalize_round(round_, None, now)


def _prize_of(prizes: list[dict] | None, rank):
    """SQL: the prize label of a participant at final ``rank`` in a group, or NULL.

    ``prizes`` is the round's ordered structure (e.g. 1 first, 2 second, 3 third, N consolation):
    the first tier takes ranks 1..count, the next the following ``count`` ranks, and so on.
    """
    whens, upto = [], 0
    for prize in prizes or []:
        count = int(prize.get("count", 0))
        if count > 0:
            upto += count
            whens.append((rank <= upto, literal(str(prize["label"])[:80], String(80))))
    return case(*whens, else_=null()) if whens else null()


_FINAL_COLUMNS = ["round_id", "grp", "final_rank", "user_id", "prize"]


def _replace_final_ranks(round_id: int, selects: list) -> int:
    """Replace the round's frozen ranks with the rows of ``selects``; returns how many were written.

    ``contest_final_ranks`` is partitioned by round on PostgreSQL, so the round's ranks are
    written into a new partition and swapped in (``core.dialect.replace_partition``): building
    the indexes after a million sorted rows are in takes a fraction of a second, where inserting
    them into two B-trees row by row took most of finalize's time (docs/performance.md).
    """
    conn = db.session.connection()
    return replace_partition(
        ContestFinalRank.__table__, "round_id", round_id, _FINAL_COLUMNS,
        lambda target: sum(_insert_ranks(conn, target, q) for q in selects),
        primary_key=("round_id", "grp", "final_rank"), unique=("round_id", "user_id"),
    )


def _insert_ranks(conn, target, numbered) -> int:
    """INSERT ... SELECT of ranked rows into ``target``; the count inserted."""
    # Core execution; preserve_rowcount keeps the inserted count (-1 otherwise on psycopg).
    result = conn.execute(
        insert(target).from_select(_FINAL_COLUMNS, numbered).execution_options(preserve_rowcount=True)
    )
    return result.rowcount


def contests_in_scope(where) -> list[Contest]:
    """Contests whose eligibility locality satisfies ``where`` (a scope_filter on Locality.path)."""
    return list(
        db.session.scalars(
            select(Contest)
            .join(Locality, Locality.id == Contest.eligibility_id)
            .where(where)
            .order_by(Contest.id.desc())
        )
    )


def participants_in(locality: Locality, round_: ContestRound) -> int:
    """How many non-voided participants of ``round_`` live in ``locality``'s subtree (tallies)."""
    T = ContestLocalityTally
    return int(
        db.session.scalar(
            select(func.sum(T.participants))
            .join(Locality, Locality.id == T.locality_id)
            .where(T.round_id == round_.id, subtree_clause(Locality.path, locality.path))
        )
        or 0
    )


ANONYMOUS = "Ẩn danh"  # the name an erased participant's entries keep


def erase_person(person: User) -> None:
    """A person deleted their account: their contest entries keep their place, group and results
    (rankings and tallies do not change) under an anonymous name, without phone or birth year;
    live boards are rebuilt on their next read with that name."""
    entries = db.session.scalars(select(ContestEntry).where(ContestEntry.user_id == person.id)).all()
    for entry in entries:
        entry.full_name, entry.phone, entry.birth_year = ANONYMOUS, None, None
    if entries:
        forget_board_rounds()
        board = get_board()
        shown = db.session.execute(select(ContestRound, ContestBestResult.grp).join(
            ContestBestResult, ContestBestResult.round_id == ContestRound.id).where(ContestBestResult.user_id == person.id))
        for round_, grp in shown:
            board.forget_shown(round_, grp, person.id)  # the masked name cached in Redis
