"""Moodle GIFT: read (as Moodle's qformat_gift does) and write.

A file is a list of questions separated by blank lines; ``//`` lines are comments (Moodle 3.6+
reads ``// [id:...] [tag:...]`` in them), ``$CATEGORY:`` switches the category, ``::name::`` names
a question and ``{...}`` holds its answers: ``=right ~wrong`` (single choice), ``~%50%a ~%-100%b``
(weights: multiple answers), ``{T}``/``{FALSE}`` (true/false), ``####`` the general feedback,
``[html]``/``[plain]``/``[markdown]``/``[moodle]`` a text's format, and ``\\`` escapes
``~ = # { } :``. Types the product does not grade: essay ``{}``, numerical ``{#...}``, matching
``{=a -> b}``, short answer ``{=a =b}`` and descriptions (no braces).
"""
from __future__ import annotations

import re

from flask_babel import gettext as _

from app.contests.interchange import ParsedQuestion, ParseResult, Unsupported
from app.contests.interchange.text import moodle_text, text_to_html

WEIGHT = re.compile(r"^%(-?[0-9]{1,3}(?:\.[0-9]*)?)%")
ESCAPES = {"\\:": "\ue001", "\\#": "\ue002", "\\=": "\ue003", "\\{": "\ue004", "\\}": "\ue005",
           "\\~": "\ue006", "\\n": "\ue007"}
UNESCAPED = {"\ue001": ":", "\ue002": "#", "\ue003": "=", "\ue004": "{", "\ue005": "}", "\ue006": "~",
             "\ue007": "\n"}
ID_TOKEN = re.compile(r"\[id:((?:\\]|[^\]\x00-\x1f])+)\]")
TAG_TOKEN = re.compile(r"\[tag:((?:\\]|[^\]<>`\x00-\x1f])+)\]")


def type_names() -> dict[str, str]:
    """Question types the product does not grade, in the UI's language (shared with Moodle XML)."""
    return {
        "essay": _("essay"), "numerical": _("numerical"), "match": _("matching"), "matching": _("matching"),
        "shortanswer": _("short answer"), "description": _("description (no answer)"),
        "cloze": _("embedded answers (cloze)"), "multianswer": _("embedded answers (cloze)"),
        "calculated": _("calculated"), "calculatedsimple": _("calculated"), "calculatedmulti": _("calculated"),
        "ddwtos": _("drag and drop"), "gapselect": _("select missing words"),
    }


def _pre(text: str) -> str:
    text = text.replace("\\\\", "\ue000")
    for escaped, mark in ESCAPES.items():
        text = text.replace(escaped, mark)
    return text.replace("\ue000", "\\")


def _post(text: str) -> str:
    for mark, char in UNESCAPED.items():
        text = text.replace(mark, char)
    return text


def _formatted(text: str, default: str = "moodle") -> tuple[str, str]:
    """``[html]text`` → (text, "html"); the question's format is the default of its parts."""
    text = text.strip()
    match = re.match(r"^\[(html|moodle|plain|markdown)\]", text)
    if match:
        return _post(text[match.end():]).strip(), match.group(1)
    return _post(text).strip(), default


def blocks(content: str) -> list[tuple[int, list[str]]]:
    """The file's questions as (first line number, lines), split at blank lines."""
    out: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(content.splitlines(), start=1):
        if line.strip():
            if not current:
                start = number
            current.append(line)
        elif current:
            out.append((start, current))
            current = []
    if current:
        out.append((start, current))
    return out


def parse_gift(content: str) -> ParseResult:
    """Read a GIFT file (text); see the module's docstring for what is read."""
    result = ParseResult()
    category = ""
    for start, lines in blocks(content.lstrip("\ufeff")):
        comments = "\n".join(line.strip() for line in lines if line.strip().startswith("//"))
        body = "\n".join(" " if line.strip().startswith("//") else line for line in lines).strip()
        if not body:
            continue
        text = _pre(body)
        if text.startswith("$CATEGORY:"):
            category = _post(text[len("$CATEGORY:"):]).strip()
            continue
        _read_question(text, start, comments, category, result)
    return result


def _read_question(text: str, line: int, comments: str, category: str, result: ParseResult) -> None:
    name = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end != -1:
            name = _post(text[2:end]).strip()
            text = text[end + 2:].strip()
    start, finish = text.find("{"), text.find("}")
    if (start == -1) != (finish == -1) or (start != -1 and finish < start):
        result.errors.append(_("Line %(line)s (%(name)s): the braces { } of the answers do not match.",
                               line=line, name=name or text[:40]))
        return
    if start == -1:
        result.unsupported.append(Unsupported(name or _post(text)[:50], type_names()["description"], line))
        return
    answers = text[start + 1:finish].strip()
    # Moodle's rule: answers inside the text (missing word) leave a blank where they stood.
    question_text = text[:start] + ("" if text.endswith("}") else "_____") + text[finish + 1:]
    feedback = ""
    if "####" in answers:
        at = answers.rfind("####")
        answers, feedback = answers[:at].strip(), answers[at + 4:]
    body, fmt = _formatted(question_text)
    plain = moodle_text(body, fmt)
    name = name or plain[:50]
    explanation = moodle_text(*_formatted(feedback, fmt)) if feedback.strip() else ""
    qtype = _qtype(answers)
    if qtype not in ("multichoice", "truefalse"):
        result.unsupported.append(Unsupported(name, type_names()[qtype], line))
        return
    idnumber, tags = _id_and_tags(comments)
    question = ParsedQuestion(name=name, text=plain, options=[], correct=[], line=line, idnumber=idnumber,
                              explanation=explanation, tags=tags, category=category)
    if qtype == "truefalse":
        verdict = answers.split("#", 1)[0].strip()
        question.options = [_("True"), _("False")]
        question.correct = [0] if verdict in ("T", "TRUE") else [1]
    elif not _choices(answers, fmt, question, result):
        return
    result.questions.append(question)


def _qtype(answers: str) -> str:
    if answers == "":
        return "essay"
    if answers.startswith("#"):
        return "numerical"
    if "~" in answers:
        return "multichoice"
    if "=" in answers and "->" in answers:
        return "match"
    verdict = answers.split("#", 1)[0].strip() if answers.find("#") > 0 else answers
    return "truefalse" if verdict in ("T", "TRUE", "F", "FALSE") else "shortanswer"


def _choices(answers: str, fmt: str, question: ParsedQuestion, result: ParseResult) -> bool:
    single = "=" in answers
    parts = answers.replace("=", "~=").split("~")
    if parts and not parts[0].strip():
        parts = parts[1:]
    if len(parts) < 2:
        result.errors.append(_("Line %(line)s (%(name)s): a choice question needs at least two answers.",
                               line=question.line, name=question.name))
        return False
    weights = []
    for part in parts:
        part = part.strip()
        weight = 0.0
        if part.startswith("="):
            weight, part = 1.0, part[1:]
        elif match := WEIGHT.match(part):
            weight, part = float(match.group(1)) / 100, part[match.end():]
        option, option_fmt = _formatted(part.split("#", 1)[0], fmt)
        question.options.append(moodle_text(option, option_fmt))
        weights.append(weight)
    question.correct = right_options(weights, single)
    if not question.correct:
        result.errors.append(_("Line %(line)s (%(name)s): no answer is marked right.",
                               line=question.line, name=question.name))
        return False
    return True


def right_options(fractions: list[float], single: bool) -> list[int]:
    """The right options from Moodle's answer fractions: single choice, the full-mark answers
    (or the best when none has full marks); multiple answers, every answer worth something."""
    if not single:
        return [i for i, f in enumerate(fractions) if f > 0]
    best = max(fractions, default=0)
    if best <= 0:
        return []
    full = [i for i, f in enumerate(fractions) if f >= 0.999]
    return full or [i for i, f in enumerate(fractions) if f == best]


def _id_and_tags(comments: str) -> tuple[str, list[str]]:
    match = ID_TOKEN.search(comments)
    idnumber = match.group(1).replace("\\]", "]").strip() if match else ""
    tags = [t.replace("\\]", "]").strip() for t in TAG_TOKEN.findall(comments)]
    return idnumber, [t for t in tags if t]


# --- writing -----------------------------------------------------------------------------------


def _escape(text: str) -> str:
    """Moodle's repchar: backslash-escape the reserved characters; new lines as ``\\n``."""
    for char in ("\\", "#", "=", "~", "{", "}", ":"):
        text = text.replace(char, "\\" + char)
    return text.replace("\r", "").replace("\n", "\\n")


def _html(text: str) -> str:
    return _escape(text_to_html(text))


def weight_text(n: int) -> str:
    """Moodle's weight of one of ``n`` right answers: 50, 33.33333, 25..."""
    value = round(100 / n, 5)
    return f"{value:.5f}".rstrip("0").rstrip(".")


def write_gift(questions: list[dict]) -> str:
    """A GIFT file of ``questions`` (dicts: key, text, options, correct, explanation, tags); every
    text as ``[html]`` so that what reads as markup in plain text stays text."""
    out = []
    for q in questions:
        bits = [f"[id:{q['key']}]"] + [f"[tag:{t.replace(']', '')}]" for t in q["tags"]]
        lines = [f"// question: {q['key']}", "// " + " ".join(bits),
                 f"::{_escape(q['key'])}::[html]{_html(q['text'])}{{"]
        multiple = len(q["correct"]) > 1
        for i, option in enumerate(q["options"]):
            if not multiple:
                mark = "=" if i in q["correct"] else "~"
            else:
                mark = f"~%{weight_text(len(q['correct']))}%" if i in q["correct"] else "~%-100%"
            lines.append(f"\t{mark}{_html(option)}")
        if q["explanation"]:
            lines.append(f"\t####{_html(q['explanation'])}")
        lines.append("}")
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"

