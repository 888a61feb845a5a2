"""Question banks: loading ``quizzes/<slug>.yml``, importing organizers' XLSX/CSV, drawing questions.

File format (YAML) — one bank per file, the slug is the file name::

    title: "Chuyển đổi số cơ bản"
    questions:
      - id: cds-001                 # stable id inside the bank
        text: "..."
        options: ["...", "...", "...", "..."]   # 2 to 6
        correct: B                  # letter(s): "B" or [A, C]
        explanation: "..."
        competence: "2.3"           # a code of app/competency/data/framework.yml
        difficulty: 1               # 1 easy, 2 medium, 3 hard
        tags: [vneid]

Every import validates the whole input first and writes nothing when anything is wrong; YAML
errors name the file and line.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import yaml
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.competency.framework import known_codes
from app.contests.models import ContestRound, Question, QuestionBank
from app.core.cache import cached, forget
from app.core.extensions import db
from app.core.tabular import ImportReport, Table

LETTERS = "ABCDEF"
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
KEY_RE = re.compile(r"^[A-Za-z0-9_.-]{1,60}$")
IMPORT_COLUMNS = ["bank", "id", "question", "option_a", "option_b", "correct", "competence", "difficulty"]
TEMPLATE_COLUMNS = [
    "bank",
    "id",
    "question",
    "option_a",
    "option_b",
    "option_c",
    "option_d",
    "option_e",
    "option_f",
    "correct",
    "explanation",
    "competence",
    "difficulty",
    "tags",
]


class BankError(ValueError):
    """A bank file is invalid; ``errors`` lists "file:line: message" strings."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class QuestionData:
    key: str
    text: str
    options: list[str]
    correct: list[int]
    explanation: str
    competence_code: str
    difficulty: int
    tags: list[str]
    image_id: int | None = None  # a stored image (app.learn.media); None leaves a question's image as it is


def parse_correct(raw) -> list[int] | None:
    """Letters "B", "A,C" or a list of letters → sorted 0-based indexes; None when malformed."""
    items = raw if isinstance(raw, list) else re.split(r"[,;\s]+", str(raw or "").strip())
    out = set()
    for item in items:
        item = str(item).strip().upper()
        if not item:
            continue
        if len(item) != 1 or item not in LETTERS:
            return None
        out.add(LETTERS.index(item))
    return sorted(out) or None


# The same limits as the question editor's form (bank_forms.QuestionForm), for every way in.
MAX_TEXT, MAX_OPTION = 5000, 1000


def check_question(raw: dict, codes: frozenset[str]) -> tuple[QuestionData | None, list[tuple[str, str]]]:
    """Validate one question given as plain values; returns the data or ``(field, message)`` errors."""
    errors: list[tuple[str, str]] = []
    key = str(raw.get("id") or "").strip()
    if not KEY_RE.match(key):
        errors.append(("id", _("id must be 1–60 letters, digits, dots, dashes or underscores")))
    text = str(raw.get("text") or "").strip()
    if not text:
        errors.append(("question", _("the question text is empty")))
    elif len(text) > MAX_TEXT:
        errors.append(("question", _("the question text is longer than %(n)s characters", n=MAX_TEXT)))
    options = [str(o).strip() for o in (raw.get("options") or []) if str(o or "").strip()]
    if not 2 <= len(options) <= 6:
        errors.append(("options", _("a question needs 2 to 6 options")))
    elif any(len(option) > MAX_OPTION for option in options):
        errors.append(("options", _("an option is longer than %(n)s characters", n=MAX_OPTION)))
    if len(str(raw.get("explanation") or "").strip()) > MAX_TEXT:
        errors.append(("explanation", _("the explanation is longer than %(n)s characters", n=MAX_TEXT)))
    correct = parse_correct(raw.get("correct"))
    if correct is None:
        errors.append(("correct", _("correct must be one or more letters A–F")))
    elif options and max(correct) >= len(options):
        errors.append(("correct", _("correct names an option that does not exist")))
    code = str(raw.get("competence") or "").strip()
    if code not in codes:
        errors.append(("competence", _("unknown competence code %(code)s", code=code)))
    try:
        difficulty = int(float(str(raw.get("difficulty") or "1")))
    except (ValueError, OverflowError):  # "abc"; "inf" (int() of an infinite float)
        difficulty = 0
    if difficulty not in (1, 2, 3):
        errors.append(("difficulty", _("difficulty must be 1, 2 or 3")))
    tags = raw.get("tags") or []
    if isinstance(tags, str):
        tags = [t for t in re.split(r"[,;]\s*", tags) if t]
    tags = [str(t).strip().lower() for t in tags if str(t).strip()]
    if errors:
        return None, errors
    return QuestionData(
        key, text, options, correct or [], str(raw.get("explanation") or "").strip(), code, difficulty, tags
    ), []


# --- YAML files ---------------------------------------------------------------------------------


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping as ``__line__``."""


def _construct_mapping(loader, node, deep=False):
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_bank_file(path: Path) -> tuple[str, list[QuestionData]]:
    """Read and fully validate one YAML bank; raises ``BankError`` with "file:line: ..." messages."""
    name = path.name
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 (safe loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise BankError([f"{name}:{mark.line + 1 if mark else '?'}: {exc.problem}"]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise BankError([f"{name}: {exc}"]) from exc
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise BankError([f"{name}:1: a bank needs a title and a list of questions"])
    if not SLUG_RE.match(path.stem):
        raise BankError([f"{name}:1: the file name must be a slug (a-z, 0-9, -)"])
    codes = known_codes()
    errors: list[str] = []
    out: list[QuestionData] = []
    seen: dict[str, int] = {}
    for raw in data["questions"]:
        if not isinstance(raw, dict):
            errors.append(f"{name}: a question must be a mapping")
            continue
        line = raw.get("__line__", "?")
        question, problems = check_question(raw, codes)
        errors.extend(f"{name}:{line}: {fld}: {msg}" for fld, msg in problems)
        if question:
            if question.key in seen:
                errors.append(f"{name}:{line}: id {question.key} repeats line {seen[question.key]}")
            seen[question.key] = line
            out.append(question)
    if errors:
        raise BankError(errors)
    return str(data.get("title") or path.stem), out


def save_bank(slug: str, title: str, questions: list[QuestionData], source: str,
              owner_id: int | None = None, created_by_id: int | None = None) -> tuple[int, int]:
    """Upsert a bank and its questions by key (caller commits); returns (created, updated).

    Questions missing from the new version are deactivated, not deleted: old attempts keep them.
    A new bank belongs to ``owner_id``'s scope (None: province-wide) and remembers its creator.
    """
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == slug))
    if bank is None:
        bank = QuestionBank(slug=slug, title=title, source=source, owner_locality_id=owner_id,
                            created_by_id=created_by_id)
        db.session.add(bank)
        db.session.flush()
    bank.title = title
    existing = {q.key: q for q in db.session.scalars(select(Question).where(Question.bank_id == bank.id))}
    created = updated = 0
    for data in questions:
        values = {
            "text": data.text,
            "options": data.options,
            "correct": data.correct,
            "explanation": data.explanation,
            "competence_code": data.competence_code,
            "difficulty": data.difficulty,
            "tags": data.tags,
            "active": True,
        }
        if data.image_id is not None:
            values["image_id"] = data.image_id
        row = existing.pop(data.key, None)
        if row is None:
            db.session.add(Question(bank_id=bank.id, key=data.key, **values))
            created += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            updated += 1
    for row in existing.values():
        row.active = False
    db.session.flush()
    forget_question_pools()
    return created, updated


def load_bank_files(directory: Path | None = None) -> dict[str, tuple[int, int]]:
    """Validate every ``*.yml`` in quizzes/ first, then save them all; raises BankError."""
    directory = Path(directory or current_app.config["QUIZZES_DIR"])
    parsed, errors = {}, []
    for path in sorted(directory.glob("*.yml")):
        try:
            parsed[path.stem] = parse_bank_file(path)
        except BankError as exc:
            errors.extend(exc.errors)
    if errors:
        raise BankError(errors)
    return {slug: save_bank(slug, title, qs, "file") for slug, (title, qs) in parsed.items()}


# --- balance of the answer key --------------------------------------------------------------------

KEY_POSITION_LIMIT = 0.4  # the largest share of single-answer keys that may sit at one position
KEY_POSITION_MIN = 5  # fewer single-answer questions than this: too few to judge


def key_position_warning(bank: str, questions: Sequence) -> str | None:
    """A warning when more than 40% of the single-answer keys of ``bank``'s ``questions`` (each
    with ``correct``: the right option indexes) sit at one position, else None.

    Options are shuffled per attempt, but a bank whose keys pile up at "A" still tells whoever
    sees it in its authored order (exports, the editor, a printed copy) where to look, and shows
    that wrong options were written as an afterthought. The one check behind ``flask contests
    load-banks``, the XLSX/CSV import and the GIFT/Moodle XML/Aiken import."""
    keys = [list(q.correct)[0] for q in questions if len(q.correct or ()) == 1]
    if len(keys) < KEY_POSITION_MIN:
        return None
    position, count = max(sorted(Counter(keys).items()), key=lambda pair: pair[1])
    if count <= KEY_POSITION_LIMIT * len(keys):
        return None
    return _(
        "Bank %(bank)s: %(share)s%% of its single-answer questions (%(count)s of %(total)s) have the "
        "right answer at option %(letter)s. Spread the right answers over the positions (at most 40%% "
        "at one) and make every wrong option plausible.",
        bank=bank, share=round(100 * count / len(keys)), count=count, total=len(keys), letter=LETTERS[position],
    )


def saved_bank_warning(slug: str) -> str | None:
    """``key_position_warning`` of a saved bank's active questions."""
    rows = db.session.scalars(
        select(Question.correct).join(QuestionBank).where(QuestionBank.slug == slug, Question.active)
    ).all()
    return key_position_warning(slug, [QuestionKey(tuple(correct or ())) for correct in rows])


class QuestionKey(NamedTuple):
    correct: tuple[int, ...]


# --- XLSX / CSV import -------------------------------------------------------------------------


def import_bank_table(table: Table, may_change: Callable[[str], str | None] | None = None,
                      owner_id: int | None = None, created_by_id: int | None = None) -> ImportReport:
    """Validate every row of an organizer's table, then upsert the banks it names (caller commits).

    ``may_change(slug)`` returns why the importer may not change that bank (None when they may):
    importing into a bank is the same permission as editing it. New banks belong to ``owner_id``.
    """
    report = ImportReport(rows=len(table.rows))
    refused: dict[str, str | None] = {}
    codes = known_codes()
    by_bank: dict[str, list[QuestionData]] = {}
    seen: dict[tuple[str, str], int] = {}
    for line, row in table.rows:
        slug = row.get("bank", "").strip().lower()
        if not SLUG_RE.match(slug):
            report.add(line, _("bank must be a short name of a-z, 0-9 and dashes"), "bank")
        elif may_change is not None:
            if slug not in refused:
                refused[slug] = may_change(slug)
            if refused[slug]:
                report.add(line, refused[slug] or "", "bank")
        raw = {
            "id": row.get("id"),
            "text": row.get("question"),
            "options": [row.get(f"option_{c}", "") for c in "abcdef"],
            "correct": row.get("correct"),
            "explanation": row.get("explanation"),
            "competence": row.get("competence"),
            "difficulty": row.get("difficulty"),
            "tags": row.get("tags", ""),
        }
        question, problems = check_question(raw, codes)
        for fld, msg in problems:
            report.add(line, msg, fld)
        if question and SLUG_RE.match(slug):
            if (slug, question.key) in seen:
                report.add(
                    line,
                    _("id %(id)s repeats line %(other)s", id=question.key, other=seen[(slug, question.key)]),
                    "id",
                )
                continue
            seen[(slug, question.key)] = line
            by_bank.setdefault(slug, []).append(question)
    if not report.ok:
        return report
    for slug, questions in by_bank.items():
        bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == slug))
        title = bank.title if bank else slug
        # An import adds and updates questions; it never deactivates those it does not list.
        keep = {q.key for q in questions}
        others = (
            []
            if bank is None
            else [
                QuestionData(
                    q.key,
                    q.text,
                    q.options,
                    q.correct,
                    q.explanation,
                    q.competence_code,
                    q.difficulty,
                    q.tags,
                )
                for q in db.session.scalars(
                    select(Question).where(Question.bank_id == bank.id, Question.active)
                )
                if q.key not in keep
            ]
        )
        created, updated = save_bank(slug, title, questions + others, "import", owner_id, created_by_id)
        report.created += created
        report.updated += updated
    report.unchanged = report.rows - report.created - report.updated
    return report


def template_rows() -> list[list]:
    """An example row for the downloadable import template."""
    return [
        [
            "chuyen-doi-so",
            "q-001",
            "VNeID là gì?",
            "Ứng dụng định danh điện tử quốc gia",
            "Một mạng xã hội",
            "Một ví điện tử",
            "",
            "",
            "",
            "A",
            "VNeID do Bộ Công an phát triển.",
            "2.6",
            "1",
            "vneid",
        ]
    ]


# --- drawing --------------------------------------------------------------------------------------


def eligible_questions(banks: list[str], tags: list[str] | None = None) -> list[Question]:
    """Active questions of ``banks`` (slugs), restricted to ``tags`` when given."""
    query = select(Question).join(QuestionBank).where(QuestionBank.slug.in_(banks), Question.active)
    rows = list(db.session.scalars(query.order_by(Question.id)))
    if tags:
        wanted = set(tags)
        rows = [q for q in rows if wanted & set(q.tags or [])]
    return rows


class PoolQuestion(NamedTuple):
    """What drawing and grading need of a question (no text): cached per process."""

    id: int
    difficulty: int
    options: tuple[str, ...]
    correct: tuple[int, ...]
    competence_code: str
    tags: tuple[str, ...]


def question_pool(banks: list[str], tags: list[str] | None = None) -> list[PoolQuestion]:
    """``eligible_questions`` as plain tuples, cached in the process for ``QUESTION_POOL_SECONDS``.

    Starting an attempt draws from the pool on every request; re-reading a whole bank each time
    was most of a start's cost. A change to a bank (new, edited or retired questions) reaches new
    draws within that many seconds; 0 turns the cache off. The drawn questions' keys are then
    frozen in the attempt (``contest_attempts.start_attempt``), like a quiz attempt that keeps the
    question version it started with.
    """
    def load() -> list[PoolQuestion]:
        return [
            PoolQuestion(q.id, q.difficulty, tuple(q.options), tuple(sorted(q.correct)), q.competence_code,
                         tuple(q.tags or ()))
            for q in eligible_questions(banks, tags)
        ]

    key = (tuple(sorted(banks)), tuple(sorted(tags or ())))
    return cached("question_pools", key, float(current_app.config.get("QUESTION_POOL_SECONDS", 30)), load)


def forget_question_pools() -> None:
    """Drop this process's cached pools (after a bank changes in this process)."""
    forget("question_pools")


def draw_questions(
    pool: Sequence[Question | PoolQuestion], mix: dict[str, int] | None, count: int,
    rng: random.Random | None = None,
) -> list[dict]:
    """Draw questions at random (``mix`` = how many per difficulty) with a shuffled option order.

    Returns the stored draw ``[{"id": question_id, "order": [...], "tokens": [...]}]``: ``order``
    the original option indexes in shown order, ``tokens`` what identifies each shown option to
    the participant (``new_tokens``). When the pool lacks questions of a difficulty the rest is
    filled from the other difficulties.
    """
    rng = rng or random.SystemRandom()
    chosen: list[Question | PoolQuestion] = []
    if mix:
        for level, n in sorted(mix.items()):
            group = [q for q in pool if q.difficulty == int(level) and q not in chosen]
            chosen += rng.sample(group, min(int(n), len(group)))
    rest = [q for q in pool if q not in chosen]
    chosen += rng.sample(rest, max(0, min(count - len(chosen), len(rest))))
    chosen = chosen[:count]
    rng.shuffle(chosen)
    out = []
    for q in chosen:
        order = list(range(len(q.options)))
        rng.shuffle(order)
        out.append({"id": q.id, "order": order, "tokens": new_tokens(len(order), rng)})
    return out


def new_tokens(count: int, rng: random.Random | None = None) -> list[str]:
    """``count`` distinct random tokens (8 hex digits): what identifies each shown option of a
    question inside one attempt. Drawn afresh for every attempt and stored with it, so they mean
    nothing outside it (the same text carries another token in the next attempt) and survive a
    restart; the server maps them back to the bank's option indexes (``chosen_indexes``)."""
    rng = rng or random.SystemRandom()
    tokens: list[str] = []
    while len(tokens) < count:
        token = f"{rng.getrandbits(32):08x}"
        if token not in tokens:
            tokens.append(token)
    return tokens


def keyed_draw(questions: Sequence[tuple[int, int]], nonce: str) -> list[dict]:
    """A draw like ``draw_questions``'s (shuffled order and tokens per question) for questions
    given as ``(id, number of options)``, computed from ``nonce`` with the app's secret instead of
    stored: for pages that keep no attempt row (the placement test keeps only ids and the nonce
    in the signed, readable session cookie). Without the secret the nonce tells nothing; the same
    nonce gives the same draw (a reload, a restart)."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    out = []
    for qid, size in questions:
        digest = hmac.new(secret, f"draw:{nonce}:{qid}".encode(), hashlib.sha256).digest()
        rng = random.Random(digest)
        order = list(range(size))
        rng.shuffle(order)
        out.append({"id": qid, "order": order, "tokens": new_tokens(size, rng)})
    return out


def option_tokens(item: dict) -> list[str]:
    """The tokens of a drawn question's options, in shown order (``item`` of a stored draw).
    Draws stored before tokens existed identified options by their bank index, as then."""
    return item.get("tokens") or [str(i) for i in item["order"]]


def chosen_indexes(item: dict, values) -> list[int]:
    """The bank's option indexes of the ``values`` (tokens) sent back for a drawn question;
    anything that is not one of its tokens is ignored."""
    if not isinstance(values, list):
        values = [values]
    index = dict(zip(option_tokens(item), item["order"], strict=True))
    return sorted({index[v] for v in map(str, values) if v in index})


def shown_tokens(item: dict, indexes) -> list[str]:
    """The tokens of the bank's option ``indexes`` for a drawn question (the inverse of
    ``chosen_indexes``), in shown order."""
    wanted = set(indexes or ())
    return [token for token, i in zip(option_tokens(item), item["order"], strict=True) if i in wanted]


def reserved_banks(now: datetime | None = None) -> dict[str, datetime]:
    """Banks that a contest round open or scheduled to open draws from, each with the time the last
    such round stops accepting answers (its closing time plus grace).

    Practice never shows the keys of these banks' questions (nor their explanations) and does not
    draw from them: feedback after a practice would otherwise give away the answers of a round
    that is running or about to run (docs/architecture.md, "Practice and open rounds").
    """
    from app.core.types import utcnow

    now = now or utcnow()
    rows = db.session.execute(
        select(ContestRound.draw, ContestRound.closes_at, ContestRound.grace_seconds)
        .where(ContestRound.closes_at > now - timedelta(days=1))  # grace is seconds, at most minutes
    ).all()
    reserved: dict[str, datetime] = {}
    for draw, closes_at, grace in rows:
        until = closes_at + timedelta(seconds=grace or 0)
        if until <= now:
            continue
        for slug in (draw or {}).get("banks") or []:
            if isinstance(slug, str) and (slug not in reserved or reserved[slug] < until):
                reserved[slug] = until
    return reserved


def banks_summary() -> list[dict]:
    """Every bank with its number of active questions."""
    from sqlalchemy import func

    # Counted apart: the bank's joined owner may not sit in a GROUP BY on PostgreSQL.
    counts = select(Question.bank_id, func.count().label("n")).where(Question.active).group_by(
        Question.bank_id).subquery()
    rows = db.session.execute(
        select(QuestionBank, counts.c.n)
        .outerjoin(counts, counts.c.bank_id == QuestionBank.id)
        .order_by(QuestionBank.slug)
    ).all()
    return [{"bank": b, "count": n or 0} for b, n in rows]
