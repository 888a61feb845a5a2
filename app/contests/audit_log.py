"""The audit of contests and banks as people read it (issue 16, item 6).

Each entry shows who (name and role), when (local time), what (in words, in the UI's language)
and, per changed field, before → after in words; the list filters by contest, round, person and
kind, and exports as a table. An organizer sees the entries of the contests and banks in their
scope only. How each action and value reads is registered here with ``app.core.audit``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.accounts.models import User
from app.accounts.scope import scope_filter
from app.contests import bank_editor
from app.contests import service as contest_service
from app.contests.models import ContestRound
from app.core import audit
from app.core.exports import person_label
from app.core.extensions import db
from app.core.models import AuditEvent
from app.core.types import TZ
from app.localities.models import Locality

LETTERS = "ABCDEF"
ROUND_FIELDS = {
    "title": _l("Title"), "opens_at": _l("Opens"), "closes_at": _l("Closes"),
    "question_count": _l("Questions per attempt"), "draw": _l("Questions drawn"),
    "time_limit_seconds": _l("Time limit"), "attempts_allowed": _l("Attempts allowed"),
    "grace_seconds": _l("Grace for late submissions"), "prediction_enabled": _l("Prediction question"),
    "prizes": _l("Prizes"), "criteria": _l("Ranking criteria"), "review_after_close": _l("Review after closing"),
}
QUESTION_FIELDS = {
    "key": _l("Id in the bank"), "text": _l("Question"), "options": _l("Options"), "correct": _l("Right answer(s)"),
    "explanation": _l("Explanation"), "competence_code": _l("Competence"), "difficulty": _l("Difficulty"),
    "tags": _l("Tags"),
}
DETAIL_FIELDS = {
    "slug": _l("Short name"), "title": _l("Title"), "contest": _l("Contest"), "number": _l("Round"),
    "ranked": _l("Participants ranked"), "all_correct": _l("All correct"), "reason": _l("Reason"),
    "person": _l("Participant"), "bank": _l("Bank"), "key": _l("Id in the bank"), "format": _l("Format"),
    "file": _l("File"), "questions": _l("Questions"), "created": _l("New"), "updated": _l("Updated"),
    "skipped": _l("Skipped"), "rows": _l("Rows"), "role": _l("Role"), "locality": _l("Locality"),
    "certificates_issued": _l("Certificates issued"), "certificates_revoked": _l("Certificates revoked"),
}


def _time(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    return audit.words(moment.astimezone(TZ) if moment.tzinfo else moment)


def value_words(field: str, value: Any) -> str:
    """A stored value of a contest, round or question field in words."""
    if value is None:
        return "—"
    if field in ("opens_at", "closes_at"):
        return _time(value)
    if field == "time_limit_seconds":
        return _("%(n)s minutes", n=int(value) // 60)
    if field == "grace_seconds":
        return _("%(n)s seconds", n=value)
    if field == "prizes":
        return ", ".join(f"{p.get('label')}: {p.get('count')}" for p in value) or "—"
    if field == "criteria":
        from app.contests.ranking import CRITERION_LABELS

        labels = {code: str(label) for code, label in CRITERION_LABELS.items()}
        return " → ".join(labels.get(c, c) for c in value) or "—"
    if field == "draw":
        mix = value.get("mix") or {}
        parts = [_("banks: %(banks)s", banks=", ".join(value.get("banks") or []) or "—")]
        if value.get("tags"):
            parts.append(_("tags: %(tags)s", tags=", ".join(value["tags"])))
        parts.append(_("easy %(e)s, medium %(m)s, hard %(h)s", e=mix.get("1", 0), m=mix.get("2", 0),
                       h=mix.get("3", 0)))
        return "; ".join(parts)
    if field == "correct":
        return ", ".join(LETTERS[i] for i in value if 0 <= i < len(LETTERS)) or "—"
    if field == "options":
        return "; ".join(f"{LETTERS[i]}. {o}" for i, o in enumerate(value))
    return audit.words(value)


def register_actions() -> None:
    """How the contest area's actions read (called by ``app.contests.init_app``)."""
    for action, label, fields in (
        ("contest.create", _l("created the contest"), {}),
        ("contest.update", _l("changed the contest"), {}),
        ("contest.void_entry", _l("voided a participant's results"), {}),
        ("round.create", _l("created a round"), ROUND_FIELDS),
        ("round.update", _l("changed a round not yet open"), ROUND_FIELDS),
        ("round.change_running", _l("changed a round that had opened"), ROUND_FIELDS),
        ("round.finalize", _l("computed the final ranking"), {}),
        ("round.publish_results", _l("published the results"), {}),
        ("round.republish_results", _l("brought the published results up to date"), {}),
        ("round.integrity_thresholds", _l("changed the integrity thresholds"), {}),
        ("contest.restore_entry", _l("restored a participant's results"), {}),
        ("contest.grant_allowance", _l("granted a participant extra time or an attempt"), {}),
        ("contest.assisted_registration", _l("registered a person for the contest as their helper"), {}),
        ("bank.create", _l("created a question bank"), {}),
        ("bank.rename", _l("renamed a question bank"), {"slug": _l("Short name"), "title": _l("Title")}),
        ("bank.import", _l("imported questions"), {}),
        ("question.create", _l("added a question"), QUESTION_FIELDS),
        ("question.update", _l("changed a question"), QUESTION_FIELDS),
        ("question.retire", _l("retired a question"), {}),
        ("question.delete", _l("deleted a question never drawn"), {}),
        ("question.restore", _l("drew a retired question again"), {}),
    ):
        audit.register_action(action, label, {**DETAIL_FIELDS, **fields}, value_words)


def visible_prefixes(user: User) -> list[str] | None:
    """The audit context prefixes ``user`` may read (None: every entry, for admins)."""
    if user.has_role("admin"):
        return None
    contests = contest_service.contests_in_scope(scope_filter(user, ("organizer",), Locality.path))
    banks = bank_editor.banks_in_scope(user)
    return [contest_service.contest_context(c.id) for c in contests] + \
        [bank_editor.audit_context(b["bank"]) for b in banks]


def entries(user: User, contest_id: int | None = None, round_id: int | None = None, person_id: int | None = None,
            kind: str = "", limit: int = 500) -> list[audit.EventWords]:
    """The audit entries ``user`` may read, newest first, filtered, each in words."""
    prefixes = visible_prefixes(user)
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    if prefixes is not None:
        if not prefixes:
            return []
        query = query.where(or_(*(AuditEvent.context_path.startswith(p, autoescape=True) for p in prefixes)))
    if round_id:
        round_ = db.session.get(ContestRound, round_id)
        query = query.where(AuditEvent.context_path.startswith(
            contest_service.round_context(round_) if round_ else "/none/", autoescape=True))
    elif contest_id:
        query = query.where(AuditEvent.context_path.startswith(contest_service.contest_context(contest_id),
                                                               autoescape=True))
    if person_id:
        query = query.where(AuditEvent.actor_id == person_id)
    if kind:
        query = query.where(AuditEvent.action == kind)
    return [audit.describe(event) for event in db.session.scalars(query)]


def actors(events: list[audit.EventWords]) -> dict[int, str]:
    """Name and role of each person in ``events`` (read in one query)."""
    ids = {e.event.actor_id for e in events if e.event.actor_id}
    people = list(db.session.scalars(select(User).where(User.id.in_(ids)))) if ids else []
    return {p.id: person_label(p) for p in people}


def kinds() -> list[tuple[str, str]]:
    """Every kind of change, in words, for the filter."""
    return sorted(((action, str(words.label)) for action, words in audit.ACTIONS.items()), key=lambda kv: kv[1])


def export_table(events: list[audit.EventWords]) -> tuple[list[str], list[list]]:
    """The audit as a table: when, who, what, the object, and each change before → after."""
    names = actors(events)
    header = [_("When"), _("Who"), _("What"), _("Details"), _("Changes")]
    rows = [[e.event.at, names.get(e.event.actor_id or 0, _("the system")), e.what, e.summary,
             "\n".join(f"{c.field}: {c.before} → {c.after}" for c in e.changes)] for e in events]
    return header, rows
