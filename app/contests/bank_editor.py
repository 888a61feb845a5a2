"""The bank editor: who may manage a bank, and the use cases of editing one in the browser.

Scope of banks (issue 19, item 4): a bank belongs to an owner scope (``QuestionBank.owner_locality``,
the subtree whose contests it serves). An organizer sees and changes a bank when its owner unit lies
inside a subtree they were granted, or when they created it; a bank without an owner (the
province-wide files of quizzes/) belongs to organizers of a top-level unit. Admins manage every
bank. Reading the answer keys, editing questions, importing into a bank and exporting it are one
permission (``can_manage_bank``), checked on every bank page and every import.

A question already drawn in an attempt is never deleted (old attempts show its text and their
results refer to it): it is retired, i.e. no longer drawn. Editing a question's key while a round
drawing from its bank is open changes it for attempts started afterwards only: an attempt froze
the keys of its questions when it started (``attempts.start_attempt``).
"""
from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.accounts.scope import scope_paths
from app.competency.framework import known_codes
from app.competency.models import Evidence
from app.contests.banks import (
    SLUG_RE,
    QuestionData,
    check_question,
    draw_questions,
    eligible_questions,
    forget_question_pools,
)
from app.contests.models import ContestAttempt, ContestRound, Question, QuestionBank
from app.core import audit
from app.core.extensions import db
from app.core.text import fold
from app.core.types import utcnow
from app.localities.models import Locality
from app.localities.service import subtree_clause

ROLES = ("organizer",)


class BankEditError(ValueError):
    """A change was refused; ``errors`` maps form fields to messages in the user's language."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


# --- scope -------------------------------------------------------------------------------------


def bank_scope_clause(user: User) -> ColumnElement[bool]:
    """SQL condition on ``QuestionBank`` (joined with ``owner_locality``): the banks ``user`` manages."""
    paths = scope_paths(user, ROLES)
    if paths is None:
        return true()
    if not getattr(user, "is_authenticated", False):
        return false()
    owner = aliased(Locality)
    clauses = [QuestionBank.created_by_id == user.id]
    if paths:
        clauses.append(QuestionBank.owner_locality_id.in_(
            select(owner.id).where(or_(*(subtree_clause(owner.path, p) for p in paths)))
        ))
    if any(p.count("/") == 2 for p in paths):  # "/70/": a top-level unit owns the unowned banks
        clauses.append(QuestionBank.owner_locality_id.is_(None))
    return or_(*clauses)


def can_manage_bank(user: User, bank: QuestionBank) -> bool:
    """True when ``user`` may read the keys of ``bank``, edit it, import into it and export it."""
    paths = scope_paths(user, ROLES)
    if paths is None:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if bank.created_by_id == user.id:
        return True
    if bank.owner_locality is None:
        return any(p.count("/") == 2 for p in paths)
    return any(bank.owner_locality.path.startswith(p) for p in paths)


def banks_in_scope(user: User) -> list[dict]:
    """The banks ``user`` manages, each with its number of active and retired questions."""
    # Counted apart: the bank's joined owner may not sit in a GROUP BY on PostgreSQL.
    counts = (
        select(Question.bank_id, func.count().filter(Question.active).label("active"),
               func.count().filter(Question.active.is_(False)).label("retired"))
        .group_by(Question.bank_id).subquery()
    )
    rows = db.session.execute(
        select(QuestionBank, counts.c.active, counts.c.retired)
        .outerjoin(counts, counts.c.bank_id == QuestionBank.id)
        .where(bank_scope_clause(user))
        .order_by(QuestionBank.slug)
    ).all()
    return [{"bank": b, "count": n or 0, "retired": r or 0} for b, n, r in rows]


def get_managed_bank(user: User, slug: str) -> QuestionBank | None:
    """The bank named ``slug`` when ``user`` manages it, else None (the page answers 404)."""
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == slug[:80]))
    return bank if bank is not None and can_manage_bank(user, bank) else None


def audit_context(bank: QuestionBank) -> str:
    """Where a bank's changes are filed in the audit."""
    return f"/bank/{bank.id}/"


# --- banks -------------------------------------------------------------------------------------


def check_bank_values(slug: str, title: str, bank: QuestionBank | None = None) -> dict[str, str]:
    """Errors of a bank's short name and title, by field (empty when both are good)."""
    errors = {}
    if not SLUG_RE.match(slug or ""):
        errors["slug"] = _("Use 1–80 characters: a-z, 0-9 and dashes, starting with a letter or digit.")
    else:
        other = db.session.scalar(select(QuestionBank.id).where(QuestionBank.slug == slug))
        if other is not None and (bank is None or other != bank.id):
            errors["slug"] = _("Another bank already uses this short name.")
    if not (title or "").strip():
        errors["title"] = _("Give the bank a title.")
    elif len(title.strip()) > 200:
        errors["title"] = _("At most %(n)s characters.", n=200)
    return errors


def create_bank(actor: User, slug: str, title: str, owner: Locality | None) -> QuestionBank:
    """A new empty bank owned by ``owner``'s scope (caller commits); raises BankEditError."""
    errors = check_bank_values(slug, title)
    if errors:
        raise BankEditError(errors)
    bank = QuestionBank(slug=slug, title=title.strip(), source="editor", created_by_id=actor.id,
                        owner_locality_id=owner.id if owner else None)
    db.session.add(bank)
    db.session.flush()
    audit.record(actor, "bank.create", "question_bank", bank.id, context=audit_context(bank),
                 slug=slug, title=bank.title)
    return bank


def rename_bank(bank: QuestionBank, actor: User, slug: str, title: str) -> QuestionBank:
    """Change a bank's short name and title (caller commits). Rounds drawing from the bank follow
    the new short name, so no draw loses its questions."""
    errors = check_bank_values(slug, title, bank)
    if errors:
        raise BankEditError(errors)
    changes = {}
    old_slug = bank.slug
    if slug != old_slug:
        changes["slug"] = [old_slug, slug]
        for round_ in rounds_using(old_slug):
            draw = dict(round_.draw or {})
            draw["banks"] = [slug if s == old_slug else s for s in draw.get("banks") or []]
            round_.draw = draw
        bank.slug = slug
    if title.strip() != bank.title:
        changes["title"] = [bank.title, title.strip()]
        bank.title = title.strip()
    if changes:
        db.session.flush()
        forget_question_pools()
        audit.record(actor, "bank.rename", "question_bank", bank.id, context=audit_context(bank), changes=changes)
    return bank


def rounds_using(slug: str, unfinalized_only: bool = False) -> list[ContestRound]:
    """Rounds whose draw names the bank ``slug`` (a JSON list, read in Python: rounds are few)."""
    query = select(ContestRound)
    if unfinalized_only:
        query = query.where(ContestRound.finalized_at.is_(None))
    return [r for r in db.session.scalars(query) if slug in ((r.draw or {}).get("banks") or [])]


def open_rounds_using(bank: QuestionBank, now: datetime | None = None) -> list[ContestRound]:
    """Rounds open now that draw from ``bank``: editing a key then warns about started attempts."""
    now = now or utcnow()
    return [r for r in rounds_using(bank.slug, unfinalized_only=True) if r.is_open(now)]


# --- questions ---------------------------------------------------------------------------------


@dataclass
class QuestionFilters:
    """What the bank page lists: a search (accent-insensitive) and the filters."""

    q: str = ""
    tag: str = ""
    difficulty: int | None = None
    competence: str = ""
    usage: str = ""  # "" | unused | used | retired


@dataclass
class Usage:
    """How often a question was answered (contests and practice; one per person, the latest) and
    the share answered right."""

    answered: int = 0
    right: int = 0

    @property
    def share(self) -> float | None:
        return self.right / self.answered if self.answered else None


def question_usage(question_ids: Iterable[int]) -> dict[int, Usage]:
    """Usage of each question from the evidence of contests and practice."""
    refs = {f"question:{qid}": qid for qid in question_ids}
    if not refs:
        return {}
    rows = db.session.execute(
        select(Evidence.ref, func.count(), func.count().filter(Evidence.success))
        .where(Evidence.source.in_(("contest", "practice")), Evidence.ref.in_(list(refs)))
        .group_by(Evidence.ref)
    ).all()
    usage = {qid: Usage() for qid in refs.values()}
    for ref, answered, right in rows:
        usage[refs[ref]] = Usage(answered, right)
    return usage


def list_questions(bank: QuestionBank, filters: QuestionFilters) -> tuple[list[Question], dict[int, Usage]]:
    """The bank's questions matching ``filters`` (by key), with every question's usage."""
    questions = list(db.session.scalars(
        select(Question).where(Question.bank_id == bank.id).order_by(Question.key)
    ))
    usage = question_usage(q.id for q in questions)
    term = fold(filters.q)

    def keep(q: Question) -> bool:
        if term and term not in fold(" ".join([q.key, q.text, *q.options, q.explanation or ""])):
            return False
        if filters.tag and filters.tag.lower() not in (q.tags or []):
            return False
        if filters.difficulty and q.difficulty != filters.difficulty:
            return False
        if filters.competence and q.competence_code != filters.competence:
            return False
        used = usage[q.id].answered > 0
        return {"": True, "unused": q.active and not used, "used": used,
                "retired": not q.active}.get(filters.usage, True)

    return [q for q in questions if keep(q)], usage


def bank_tags(bank: QuestionBank) -> list[str]:
    """Every tag used in the bank, sorted (the tag filter's choices)."""
    tags: set[str] = set()
    for row in db.session.scalars(select(Question.tags).where(Question.bank_id == bank.id)):
        tags.update(row or [])
    return sorted(tags)


def question_values(question: Question) -> dict:
    """A question as the plain values ``check_question`` validates (the edit form's start)."""
    from app.contests.banks import LETTERS

    return {
        "id": question.key, "text": question.text, "options": list(question.options),
        "correct": [LETTERS[i] for i in question.correct], "explanation": question.explanation or "",
        "competence": question.competence_code, "difficulty": question.difficulty,
        "tags": list(question.tags or []),
    }


FIELD_NAMES = {"question": "text"}  # check_question's field names → the form's


def save_question(bank: QuestionBank, question: Question | None, actor: User, raw: dict) -> Question:
    """Create or edit a question with the same validation as the file import (caller commits).

    Raises BankEditError with the errors by form field. The audit keeps each changed field's
    before and after.
    """
    data, problems = check_question(raw, known_codes())
    errors = {FIELD_NAMES.get(f, f): m for f, m in reversed(problems)}
    key = data.key if data else str(raw.get("id") or "")
    clash = db.session.scalar(select(Question.id).where(Question.bank_id == bank.id, Question.key == key))
    if clash is not None and (question is None or clash != question.id):
        errors["id"] = _("Another question of this bank already has this id.")
    if errors or data is None:
        raise BankEditError(errors)
    values = _values(data)
    if question is None:
        question = Question(bank_id=bank.id, key=data.key, active=True, **values)
        db.session.add(question)
        db.session.flush()
        audit.record(actor, "question.create", "question", question.id, context=audit_context(bank),
                     bank=bank.slug, key=question.key)
    else:
        changes = {}
        if question.key != data.key:
            changes["key"] = [question.key, data.key]
            question.key = data.key
        for name, value in values.items():
            if getattr(question, name) != value:
                changes[name] = [getattr(question, name), value]
                setattr(question, name, value)
        if changes:
            db.session.flush()
            audit.record(actor, "question.update", "question", question.id, context=audit_context(bank),
                         bank=bank.slug, key=question.key, changes=changes)
    forget_question_pools()
    return question


def _values(data: QuestionData) -> dict:
    return {"text": data.text, "options": data.options, "correct": data.correct,
            "explanation": data.explanation, "competence_code": data.competence_code,
            "difficulty": data.difficulty, "tags": data.tags}


def was_drawn(question: Question) -> bool:
    """True when an attempt ever drew ``question``: a closed attempt left evidence for each of its
    questions; open and voided attempts (no evidence yet, or none) are read directly."""
    ref = f"question:{question.id}"
    if db.session.scalar(select(Evidence.user_id).where(Evidence.ref == ref).limit(1)) is not None:
        return True
    unclosed = db.session.scalars(
        select(ContestAttempt.questions).where(ContestAttempt.status.in_(("open", "void")))
    )
    return any(item.get("id") == question.id for items in unclosed for item in items or [])


def retire_question(question: Question, actor: User) -> str:
    """Stop drawing ``question`` (caller commits): deleted when no attempt ever drew it, else
    retired and kept for the attempts that show it. Returns "deleted" or "retired"."""
    bank = question.bank
    if was_drawn(question):
        question.active = False
        outcome = "retired"
    else:
        db.session.delete(question)
        outcome = "deleted"
    audit.record(actor, f"question.{'retire' if outcome == 'retired' else 'delete'}", "question", question.id,
                 context=audit_context(bank), bank=bank.slug, key=question.key)
    db.session.flush()
    forget_question_pools()
    return outcome


def restore_question(question: Question, actor: User) -> None:
    """Draw a retired question again (caller commits)."""
    question.active = True
    audit.record(actor, "question.restore", "question", question.id, context=audit_context(question.bank),
                 bank=question.bank.slug, key=question.key)
    db.session.flush()
    forget_question_pools()


# --- preview of a draw -------------------------------------------------------------------------


@dataclass
class DrawPreview:
    """What a round's draw would give from the bank: available questions per difficulty against
    those asked for, and one example draw."""

    available: dict[int, int]
    wanted: dict[int, int]
    count: int
    sample: list[Question]

    @property
    def short(self) -> dict[int, int]:
        return {level: n - self.available.get(level, 0) for level, n in self.wanted.items()
                if n > self.available.get(level, 0)}


def preview_draw(banks: list[str], tags: list[str], mix: dict[str, int], seed: int | None = None) -> DrawPreview:
    """One example draw with the round's settings (``banks`` slugs, ``tags``, ``mix`` per difficulty)."""
    pool = eligible_questions(banks, tags or None)
    available: dict[int, int] = {1: 0, 2: 0, 3: 0}
    for q in pool:
        available[q.difficulty] = available.get(q.difficulty, 0) + 1
    wanted = {int(k): int(v) for k, v in (mix or {}).items() if int(v) > 0}
    count = sum(wanted.values())
    drawn = draw_questions(pool, {str(k): v for k, v in wanted.items()}, count, random.Random(seed))
    by_id = {q.id: q for q in pool}
    return DrawPreview(available, wanted, count, [by_id[item["id"]] for item in drawn])
