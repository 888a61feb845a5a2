"""Integrity of a round (issue 15, items 5 and 7): traces of each attempt, the signals computed
from them, and the organizer's review queue.

Each attempt of a round keeps a trace (``ContestAttemptTrace``): the client address and a SHA-256
hash of the user agent at start and at submit, and how many times the page lost focus (sent by
contests.js; 0 without JavaScript). ``review_queue`` computes, per round, these signals with the
round's thresholds (``ContestRoundIntegrity``, defaults when none were set):

- ``address``: more than ``accounts_per_address`` accounts started or submitted from one address;
  registrations a community helper made for someone else (``ContestAssistedEntry``) do not count
  towards it and are shown as assisted, under the helper's name;
- ``device``: more than ``accounts_per_address`` accounts from one browser (the same user-agent
  hash at the same address), helper-assisted registrations again excepted;
- ``fast``: a score of at least ``high_score_percent`` % in under ``seconds_per_question``
  seconds per question;
- ``same_answers``: exactly the same answers (at least ``MIN_SAME_ANSWERS`` questions answered, at
  least one of them wrong: identical all-right sheets are what knowing the answers looks like) as
  another account's attempt, submitted within ``same_answers_seconds`` of it;
- ``focus``: the page lost focus more than ``focus_lost_max`` times.

Signals are evidence for a person to weigh: nothing here voids anybody (``app.contests.voiding``
does, on an organizer's decision).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, select, update

from app.accounts.models import User
from app.contests.models import (
    ContestAssistedEntry,
    ContestAttempt,
    ContestAttemptTrace,
    ContestEntry,
    ContestRound,
    ContestRoundIntegrity,
)
from app.core import audit
from app.core.extensions import db
from app.core.text import fold

SIGNALS = ("address", "device", "fast", "same_answers", "focus")
MIN_SAME_ANSWERS = 3
MAX_FOCUS_LOST = 100_000
THRESHOLDS = (
    "seconds_per_question", "high_score_percent", "accounts_per_address", "same_answers_seconds", "focus_lost_max",
)

# What a round without a saved row uses (the columns' defaults).
DEFAULT_THRESHOLDS = {
    "seconds_per_question": 4, "high_score_percent": 80, "accounts_per_address": 3, "same_answers_seconds": 300,
    "focus_lost_max": 10,
}


def signal_labels() -> dict[str, str]:
    """How each signal reads in the queue and its export."""
    return {
        "address": _("Many accounts from one address"),
        "device": _("Many accounts from one device"),
        "fast": _("Implausibly fast high score"),
        "same_answers": _("Identical answers submitted close together"),
        "focus": _("Left the page many times"),
    }


def agent_hash(user_agent: str | None) -> str:
    """SHA-256 (hex) of a user agent: enough to tell browsers apart, not to read them."""
    return hashlib.sha256((user_agent or "").encode("utf-8", "replace")).hexdigest()


def record_start(attempt: ContestAttempt, address: str | None, user_agent: str | None) -> None:
    """Keep where a round's attempt was started from (once; a resumed attempt keeps the first)."""
    if attempt.round_id is None or db.session.get(ContestAttemptTrace, attempt.id) is not None:
        return
    db.session.add(ContestAttemptTrace(
        attempt_id=attempt.id, round_id=attempt.round_id, user_id=attempt.user_id,
        start_address=(address or "")[:45], start_agent=agent_hash(user_agent), focus_lost=0,
    ))
    db.session.flush()


def _focus(value: Any) -> int | None:
    text = str(value if value is not None else "").strip()
    return min(int(text), MAX_FOCUS_LOST) if text.isdecimal() else None


def record_focus(attempt: ContestAttempt, focus_lost: Any) -> None:
    """Keep the page's focus-lost count sent with an autosave (it only grows)."""
    count = _focus(focus_lost)
    if attempt.round_id is None or count is None:
        return
    T = ContestAttemptTrace
    db.session.execute(
        update(T).where(T.attempt_id == attempt.id, T.focus_lost < count).values(focus_lost=count)
        .execution_options(synchronize_session=False)
    )


def record_submit(attempt: ContestAttempt, address: str | None, user_agent: str | None, focus_lost: Any) -> None:
    """Keep where a round's attempt was submitted from and its last focus-lost count (one UPDATE;
    an attempt started before traces were kept has none)."""
    if attempt.round_id is None:
        return
    T = ContestAttemptTrace
    count = _focus(focus_lost) or 0
    db.session.execute(
        update(T).where(T.attempt_id == attempt.id)
        .values(submit_address=(address or "")[:45], submit_agent=agent_hash(user_agent),
                focus_lost=case((T.focus_lost < count, count), else_=T.focus_lost))
        .execution_options(synchronize_session=False)
    )


def thresholds_of(round_: ContestRound) -> ContestRoundIntegrity:
    """The round's thresholds (a transient row with the defaults when none were saved)."""
    found = db.session.get(ContestRoundIntegrity, round_.id)
    if found is not None:
        return found
    return ContestRoundIntegrity(round_id=round_.id, **DEFAULT_THRESHOLDS)


def save_thresholds(round_: ContestRound, actor: Any, **values: int) -> ContestRoundIntegrity:
    """Set the round's thresholds (audited with old and new values; caller commits)."""
    current = thresholds_of(round_)
    changes = {}
    for name in THRESHOLDS:
        new = int(values.get(name, getattr(current, name)))
        if getattr(current, name) != new:
            changes[name] = [getattr(current, name), new]
            setattr(current, name, new)
    if current not in db.session:
        db.session.add(current)
    db.session.flush()
    if changes:
        audit.record(actor, "round.integrity_thresholds", "contest_round", round_.id,
                     context=f"/contest/{round_.contest_id}/round/{round_.id}/", changes=changes)
    return current


@dataclass
class Flag:
    signal: str
    evidence: str


@dataclass
class Suspect:
    """A participant of the round with the signals raised and what was seen."""

    entry_id: int
    user_id: int
    full_name: str
    phone: str | None
    grp: str
    voided: bool
    score: int | None = None
    duration_ms: int | None = None
    assisted_by: str | None = None
    flags: list[Flag] = field(default_factory=list)

    @property
    def signals(self) -> list[str]:
        return sorted({f.signal for f in self.flags}, key=SIGNALS.index)


def _attempt_rows(round_: ContestRound) -> list[Any]:
    A, T = ContestAttempt, ContestAttemptTrace
    return list(db.session.execute(
        select(A.id, A.user_id, A.status, A.score, A.duration_ms, A.submitted_at, A.answers, A.questions,
               T.start_address, T.start_agent, T.submit_address, T.submit_agent, T.focus_lost)
        .outerjoin(T, T.attempt_id == A.id)
        .where(A.round_id == round_.id)
        .order_by(A.id)
    ).all())


def _people(round_: ContestRound) -> dict[int, Suspect]:
    E, H = ContestEntry, ContestAssistedEntry
    helper = User.__table__.alias("helper")
    rows = db.session.execute(
        select(E.id, E.user_id, E.full_name, E.phone, E.grp, E.voided_at, helper.c.full_name.label("helper"),
               H.entry_id.label("assisted"))
        .outerjoin(H, H.entry_id == E.id)
        .outerjoin(helper, helper.c.id == H.helper_id)
        .where(E.contest_id == round_.contest_id)
    ).all()
    return {
        r.user_id: Suspect(r.id, r.user_id, r.full_name, r.phone, r.grp, r.voided_at is not None,
                           assisted_by=(r.helper or _("a helper")) if r.assisted else None)
        for r in rows
    }


def _shared(rows: list[Any], people: dict[int, Suspect], key, limit: int) -> list[tuple[str, set[int]]]:
    """Groups of accounts sharing ``key(row)`` beyond ``limit`` (helper-assisted ones not counted)."""
    seen: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        for value in key(row):
            if value:
                seen[value].add(row.user_id)
    out = []
    for value, users in seen.items():
        own = {u for u in users if u in people and people[u].assisted_by is None}
        if len(own) > limit:
            out.append((value, own))
    return out


def _flag_shared(rows, people, limits: ContestRoundIntegrity) -> None:
    def addresses(row):
        return {row.start_address, row.submit_address}

    def devices(row):
        return {f"{row.start_address}|{row.start_agent}" if row.start_agent else None,
                f"{row.submit_address}|{row.submit_agent}" if row.submit_agent else None}

    for value, users in _shared(rows, people, addresses, limits.accounts_per_address):
        for uid in users:
            people[uid].flags.append(Flag("address", _(
                "%(n)s accounts from the address %(address)s", n=len(users), address=value)))
    for value, users in _shared(rows, people, devices, limits.accounts_per_address):
        for uid in users:
            people[uid].flags.append(Flag("device", _(
                "%(n)s accounts from one browser (%(device)s) at %(address)s",
                n=len(users), device=value.split("|")[1][:10], address=value.split("|")[0])))


def _flag_fast(rows, people, limits: ContestRoundIntegrity) -> None:
    for row in rows:
        if row.status != "submitted" or row.score is None or row.duration_ms is None or row.user_id not in people:
            continue
        count = len(row.questions or [])
        if not count or row.score * 100 < limits.high_score_percent * count:
            continue
        if row.duration_ms < limits.seconds_per_question * count * 1000:
            people[row.user_id].flags.append(Flag("fast", _(
                "%(score)s of %(count)s right in %(seconds)s s (%(per)s s per question)",
                score=row.score, count=count, seconds=round(row.duration_ms / 1000, 1),
                per=round(row.duration_ms / 1000 / count, 1))))


def _signature(answers: dict | None) -> str | None:
    chosen = {k: sorted(v) for k, v in (answers or {}).items() if v}
    return json.dumps(chosen, sort_keys=True) if len(chosen) >= MIN_SAME_ANSWERS else None


def _flag_same_answers(rows, people, limits: ContestRoundIntegrity) -> None:
    groups: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        if row.status in ("submitted", "expired") and row.submitted_at is not None and row.user_id in people:
            signature = _signature(row.answers)
            # Everyone who knows the answers gives the same ones: only shared mistakes tell.
            all_right = row.score is not None and row.score >= len(json.loads(signature or "{}"))
            if signature and not all_right:
                groups[signature].append(row)
    for group in groups.values():
        group.sort(key=lambda r: r.submitted_at)
        for i, row in enumerate(group):
            for other in group[i + 1:]:
                apart = (other.submitted_at - row.submitted_at).total_seconds()
                if apart > limits.same_answers_seconds:
                    break
                if other.user_id == row.user_id:
                    continue
                for a, b in ((row, other), (other, row)):
                    people[a.user_id].flags.append(Flag("same_answers", _(
                        "the same %(n)s answers as %(name)s, submitted %(seconds)s s apart",
                        n=len(json.loads(_signature(a.answers) or "{}")), name=people[b.user_id].full_name,
                        seconds=int(apart))))


def _flag_focus(rows, people, limits: ContestRoundIntegrity) -> None:
    for row in rows:
        if row.focus_lost is not None and row.focus_lost > limits.focus_lost_max and row.user_id in people:
            people[row.user_id].flags.append(Flag("focus", _(
                "left the page %(n)s times during attempt %(attempt)s", n=row.focus_lost, attempt=row.id)))


SORTS = ("signals", "name", "score", "duration")


def review_queue(round_: ContestRound, sort: str = "signals", signal: str | None = None) -> list[Suspect]:
    """The round's flagged participants with their evidence (voided ones included, marked),
    sorted by ``sort`` (most signals first, name, score high to low, or duration short to long);
    with ``signal`` only those raising it."""
    limits = thresholds_of(round_)
    rows = _attempt_rows(round_)
    people = _people(round_)
    for flagger in (_flag_shared, _flag_fast, _flag_same_answers, _flag_focus):
        flagger(rows, people, limits)
    best: dict[int, Any] = {}
    for row in rows:
        if row.score is not None and (row.user_id not in best or row.score > best[row.user_id].score):
            best[row.user_id] = row
    flagged = [p for p in people.values() if p.flags and (signal is None or signal in p.signals)]
    for person in flagged:
        if person.user_id in best:
            person.score, person.duration_ms = best[person.user_id].score, best[person.user_id].duration_ms
    keys = {
        "name": lambda p: (fold(p.full_name), p.user_id),
        "score": lambda p: (-(p.score or 0), p.user_id),
        "duration": lambda p: (p.duration_ms if p.duration_ms is not None else 1 << 40, p.user_id),
    }
    flagged.sort(key=keys.get(sort, lambda p: (-len(p.signals), -len(p.flags), fold(p.full_name), p.user_id)))
    return flagged


def queue_table(suspects: list[Suspect]) -> tuple[list[str], list[list]]:
    """The review queue as an export's header and rows (one row per participant)."""
    labels = signal_labels()
    header = [_("Full name"), _("Phone"), _("Group"), _("Best score"), _("Time (s)"), _("Signals"), _("Evidence"),
              _("Registered by a helper"), _("Voided")]
    rows = [
        [s.full_name, s.phone or "", s.grp, s.score if s.score is not None else "",
         round(s.duration_ms / 1000, 1) if s.duration_ms is not None else "",
         "; ".join(str(labels[x]) for x in s.signals), "; ".join(f.evidence for f in s.flags),
         s.assisted_by or "", _("yes") if s.voided else ""]
        for s in suspects
    ]
    return header, rows


def assisted_counts(round_: ContestRound) -> list[tuple[str, int]]:
    """How many registrations of the contest each helper made for others (name, count)."""
    E, H = ContestEntry, ContestAssistedEntry
    counts: dict[str, int] = defaultdict(int)
    for name in db.session.scalars(
        select(User.full_name).select_from(H).join(E, E.id == H.entry_id).outerjoin(User, User.id == H.helper_id)
        .where(E.contest_id == round_.contest_id)
    ):
        counts[name or _("a helper")] += 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], fold(kv[0])))
