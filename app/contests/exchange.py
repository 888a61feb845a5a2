"""Exchanging banks with other systems: import GIFT, Moodle XML, Aiken, XLSX and CSV files into a
bank, and export any bank as Moodle XML or GIFT (formats in ``app.contests.interchange``).

An import reads the whole file, validates every question with the rules of the file import and of
the editor (``banks.check_question``), and writes nothing when anything is wrong: a malformed
question is an error naming its line or question name; questions of types the product does not
grade are listed (name and type) and the import waits for the organizer to agree to skip them.
Questions are matched by their id in the bank: an import adds and updates, it never retires.
Importing into a bank is the same permission as editing it (``bank_editor.can_manage_bank``).
Import → export → import gives the same bank (texts, options, keys, explanation, competence,
difficulty, tags; the image too through Moodle XML).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath

from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.scope import scope_paths
from app.competency.framework import known_codes
from app.contests import banks as bank_service
from app.contests.bank_editor import audit_context, can_manage_bank
from app.contests.interchange import (
    META_COMPETENCE,
    META_DIFFICULTY,
    ParsedQuestion,
    ParseResult,
    Unsupported,
)
from app.contests.interchange import category_tag as _category_tag
from app.contests.interchange.aiken import parse_aiken
from app.contests.interchange.gift import parse_gift, write_gift
from app.contests.interchange.moodle_xml import parse_moodle_xml, write_moodle_xml
from app.contests.models import Question, QuestionBank
from app.core import audit
from app.core.extensions import db
from app.core.tabular import ImportReport, TableError, read_table
from app.core.text import fold
from app.learn.media import MediaError, check_media, read_media, store_media
from app.localities.models import Locality

FORMATS = ("gift", "moodle-xml", "aiken", "xlsx", "csv")
EXPORT_FORMATS = {"moodle-xml": ("xml", "application/xml"), "gift": ("gift.txt", "text/plain; charset=utf-8")}


@dataclass
class ImportOutcome:
    """What an import found and did. Nothing was written unless ``written``."""

    format: str
    bank: str = ""
    errors: list[str] = field(default_factory=list)
    unsupported: list[Unsupported] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    questions: int = 0
    written: bool = False
    warnings: list[str] = field(default_factory=list)


def detect_format(filename: str, content: bytes) -> str | None:
    """The format named by the file's extension (``.gift``, ``.xml``, ``.aiken``, ``.xlsx``, ``.csv``;
    ``x.gift.txt`` and ``x.aiken.txt`` too), else guessed for ``.txt``; None when unknown."""
    name = PurePath(filename or "").name.lower()
    for suffix, fmt in ((".gift.txt", "gift"), (".aiken.txt", "aiken"), (".gift", "gift"), (".xml", "moodle-xml"),
                        (".aiken", "aiken"), (".xlsx", "xlsx"), (".csv", "csv")):
        if name.endswith(suffix):
            return fmt
    if name.endswith(".txt"):
        text = content[:20000].decode("utf-8", "replace")
        if re.search(r"^ANSWER:\s*[A-Z]", text, re.MULTILINE) and "{" not in text:
            return "aiken"
        if "{" in text:
            return "gift"
    return None


def slug_from(value: str) -> str:
    """A short name from any text: "Câu hỏi số 1" → "cau-hoi-so-1" (at most 60 characters)."""
    return re.sub(r"[^a-z0-9]+", "-", fold(value)).strip("-")[:60].strip("-")


def parse_file(content: bytes, fmt: str) -> ParseResult:
    """Parse GIFT, Moodle XML or Aiken (raises ``TableError`` on text that is not UTF-8)."""
    if fmt == "moodle-xml":
        return parse_moodle_xml(content)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableError(_("The file is not UTF-8 text.")) from exc
    return parse_gift(text) if fmt == "gift" else parse_aiken(text)


@dataclass
class ImportDefaults:
    """What questions that do not say get: competence and difficulty."""

    competence: str = ""
    difficulty: int | str = 1  # checked with the questions (1, 2 or 3)


def import_question_file(content: bytes, filename: str, actor: User | None, fmt: str | None = None,
                         bank_slug: str = "", title: str = "", defaults: ImportDefaults | None = None,
                         skip_unsupported: bool = False, owner_id: int | None = None) -> ImportOutcome:
    """Import a question file into a bank (caller commits when ``written``); see the module docstring.

    ``actor`` None is the command line (every bank); a new bank belongs to ``owner_id``'s scope.
    """
    fmt = fmt or detect_format(filename, content)
    if fmt not in FORMATS:
        outcome = ImportOutcome(format=fmt or "")
        outcome.errors.append(_("Choose the format of the file (GIFT, Moodle XML, Aiken, XLSX or CSV)."))
        return outcome
    if fmt in ("xlsx", "csv"):
        return _import_table(content, filename, fmt, actor, owner_id)
    outcome = ImportOutcome(format=fmt)
    try:
        parsed = parse_file(content, fmt)
    except TableError as exc:
        outcome.errors.append(str(exc))
        return outcome
    outcome.errors += parsed.errors
    outcome.unsupported = parsed.unsupported
    slug = bank_slug.strip().lower() or slug_from(PurePath(filename or "").name.split(".")[0]) or "moodle"
    outcome.bank = slug
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == slug))
    reason = _refusal(actor, bank, slug)
    if reason:
        outcome.errors.append(reason)
    questions, images = _validate(parsed.questions, defaults or ImportDefaults(), bank, outcome)
    if outcome.unsupported and not skip_unsupported:
        return outcome
    if outcome.errors or not questions:
        if not outcome.errors:
            outcome.errors.append(_("The file holds no question this product can grade."))
        return outcome
    for index, (name, data) in images.items():
        media = store_media(data, name, "image")
        db.session.flush()
        questions[index].image_id = media.id
    bank_title = title.strip() or (bank.title if bank is not None else _title_from(parsed, slug))
    others = _kept(bank, {q.key for q in questions})
    outcome.created, outcome.updated = bank_service.save_bank(
        slug, bank_title[:200], questions + others, "import", owner_id, getattr(actor, "id", None))
    outcome.questions = len(questions)
    outcome.warnings += filter(None, [bank_service.saved_bank_warning(slug)])
    saved = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == slug))
    audit.record(actor, "bank.import", "question_bank", saved.id if saved else None,
                 context=audit_context(saved) if saved else None, format=fmt, file=PurePath(filename).name[:80],
                 questions=len(questions), created=outcome.created, updated=outcome.updated,
                 skipped=len(outcome.unsupported))
    outcome.written = True
    return outcome


def _refusal(actor: User | None, bank: QuestionBank | None, slug: str) -> str | None:
    if not bank_service.SLUG_RE.match(slug):
        return _("The bank's short name must be a-z, 0-9 and dashes.")
    if bank is not None and actor is not None and not can_manage_bank(actor, bank):
        return _("The bank %(slug)s is not one you manage: choose another short name.", slug=slug)
    return None


def _title_from(parsed: ParseResult, slug: str) -> str:
    categories = [q.category for q in parsed.questions if q.category]
    tag = _category_tag(categories[0]) if categories else ""
    first = tag.split("/")[0] if tag else ""
    return first.title() if first else slug


def _keys(parsed: list[ParsedQuestion], outcome: ImportOutcome) -> list[str]:
    """Each question's id in the bank: its ID number when it is a valid one, else made from its
    name (numbered when two names give the same id)."""
    keys: list[str] = []
    seen: dict[str, str] = {}
    for number, q in enumerate(parsed, start=1):
        key = q.idnumber if bank_service.KEY_RE.match(q.idnumber or "") else ""
        if key and key in seen:
            outcome.errors.append(_("%(where)s: the id %(id)s repeats the question of %(other)s.",
                                    where=q.where, id=key, other=seen[key]))
        if not key:
            base = slug_from(q.name) or f"q-{number:03d}"
            key, n = base, 1
            while key in seen:
                n += 1
                key = f"{base[:56]}-{n}"
        seen[key] = q.where
        keys.append(key)
    return keys


def _validate(parsed: list[ParsedQuestion], defaults: ImportDefaults, bank: QuestionBank | None,
              outcome: ImportOutcome) -> tuple[list[bank_service.QuestionData], dict[int, tuple[str, bytes]]]:
    codes = known_codes()
    out: list[bank_service.QuestionData] = []
    images: dict[int, tuple[str, bytes]] = {}
    for key, q in zip(_keys(parsed, outcome), parsed, strict=True):
        tags, competence, difficulty = _metadata(q, defaults)
        raw = {"id": key, "text": q.text, "options": q.options, "correct": [chr(65 + i) for i in q.correct],
               "explanation": q.explanation, "competence": competence, "difficulty": difficulty, "tags": tags}
        if len(q.options) > 6:
            outcome.errors.append(_("%(where)s: a question has at most 6 options; this one has %(n)s.",
                                    where=q.where, n=len(q.options)))
            continue
        data, problems = bank_service.check_question(raw, codes)
        for fld, message in problems:
            if fld == "competence" and not competence:
                message = _("no competence: choose the competence of questions that name none")
            outcome.errors.append(f"{q.where}: {message}")
        if q.image is not None:
            try:
                check_media(q.image[1], "image")
            except MediaError as exc:
                outcome.errors.append(_("%(where)s: the image %(file)s is refused: %(error)s",
                                        where=q.where, file=q.image[0], error=str(exc)))
                continue
        if data is not None:
            if q.image is not None:
                images[len(out)] = q.image
            out.append(data)
    return out, images


def _metadata(q: ParsedQuestion, defaults: ImportDefaults) -> tuple[list[str], str, int | str]:
    """Tags of a question (its category becomes one), and the competence and difficulty that
    travel as the tags ``competence:<code>`` and ``difficulty:<n>``."""
    competence, difficulty = defaults.competence, defaults.difficulty
    tags = []
    for tag in q.tags:
        if tag.lower().startswith(META_COMPETENCE):
            competence = tag[len(META_COMPETENCE):].strip()
        elif tag.lower().startswith(META_DIFFICULTY):
            difficulty = tag[len(META_DIFFICULTY):].strip()
        else:
            tags.append(tag.lower())
    if q.category and (category := _category_tag(q.category)):
        tags.append(category)
    return list(dict.fromkeys(tags)), competence, difficulty


def _kept(bank: QuestionBank | None, keys: set[str]) -> list[bank_service.QuestionData]:
    """The bank's active questions the file does not list: an import never retires them."""
    if bank is None:
        return []
    return [
        bank_service.QuestionData(q.key, q.text, q.options, q.correct, q.explanation, q.competence_code,
                                  q.difficulty, q.tags)
        for q in db.session.scalars(select(Question).where(Question.bank_id == bank.id, Question.active))
        if q.key not in keys
    ]


def _import_table(content: bytes, filename: str, fmt: str, actor: User | None, owner_id: int | None) -> ImportOutcome:
    outcome = ImportOutcome(format=fmt)
    name = filename if PurePath(filename or "").suffix.lower() == f".{fmt}" else f"questions.{fmt}"
    try:
        table = read_table(content, name, bank_service.IMPORT_COLUMNS)
    except TableError as exc:
        outcome.errors.append(str(exc))
        return outcome
    report: ImportReport = bank_service.import_bank_table(table, table_refusal(actor), owner_id,
                                                          getattr(actor, "id", None))
    outcome.errors = [str(e) for e in report.errors]
    if report.ok:
        outcome.created, outcome.updated, outcome.questions = report.created, report.updated, report.rows
        slugs = sorted({row.get("bank", "").strip().lower() for _line, row in table.rows})
        outcome.warnings += filter(None, map(bank_service.saved_bank_warning, slugs))
        audit.record(actor, "bank.import", "question_bank", None, format=fmt, file=PurePath(filename).name[:80],
                     questions=report.rows, created=report.created, updated=report.updated)
        outcome.written = True
    return outcome


def table_refusal(actor: User | None) -> Callable[[str], str | None]:
    """``may_change`` of ``banks.import_bank_table`` for ``actor`` (None: the command line)."""
    def refusal(slug: str) -> str | None:
        bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == slug))
        return _refusal(actor, bank, slug)

    return refusal


def default_owner_unit(actor: User | None) -> Locality | None:
    """The scope a bank created by ``actor`` belongs to: the unit of their widest organizer grant
    (None for admins and the command line: province-wide)."""
    if actor is None or scope_paths(actor, ("organizer",)) is None:
        return None
    grants = sorted((g.locality for g in actor.grants if g.role == "organizer" and g.locality is not None),
                    key=lambda loc: loc.depth)
    return grants[0] if grants else None


def default_owner(actor: User | None) -> int | None:
    """``default_owner_unit``'s id."""
    unit = default_owner_unit(actor)
    return unit.id if unit is not None else None


# --- export ------------------------------------------------------------------------------------


def bank_questions(bank: QuestionBank) -> list[dict]:
    """The bank's active questions as the writers take them (competence and difficulty as tags)."""
    out = []
    for q in db.session.scalars(select(Question).where(Question.bank_id == bank.id, Question.active)
                                .order_by(Question.key)):
        image = None
        if q.image is not None:
            try:
                image = (q.image.filename, read_media(q.image))
            except (OSError, MediaError):
                image = None
        out.append({"key": q.key, "text": q.text, "options": list(q.options), "correct": list(q.correct),
                    "explanation": q.explanation or "", "image": image,
                    "tags": [*(q.tags or []), f"{META_COMPETENCE}{q.competence_code}",
                             f"{META_DIFFICULTY}{q.difficulty}"]})
    return out


def export_bank(bank: QuestionBank, fmt: str) -> tuple[bytes, str, str]:
    """The bank as a Moodle XML or GIFT file: (content, file name, content type)."""
    suffix, mimetype = EXPORT_FORMATS[fmt]
    questions = bank_questions(bank)
    content = write_moodle_xml(questions) if fmt == "moodle-xml" else write_gift(questions).encode("utf-8")
    return content, f"{bank.slug}.{suffix}", mimetype
