"""Aiken: single-choice questions as plain text, read as Moodle's qformat_aiken reads them.

    Question text on one line
    A) Choice
    B. Choice
    ANSWER: B

An option is a capital letter, ")" or ".", then its text; "ANSWER:" ends the question. Moodle
skips a broken question and goes on; here every problem is reported with its line and nothing is
imported (a question without two options, an option or answer outside a question, a question not
finished before the next one or the end of the file, an answer naming no option).
"""
from __future__ import annotations

import re

from flask_babel import gettext as _

from app.contests.interchange import ParsedQuestion, ParseResult

OPTION = re.compile(r"^[A-Z][).][ \t]?")


def parse_aiken(content: str) -> ParseResult:
    """Read an Aiken file (text)."""
    result = ParseResult()
    question: ParsedQuestion | None = None
    lines = content.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if len(line) < 2:
            continue
        if OPTION.match(line):
            if question is None:
                result.errors.append(_("Line %(line)s: an option before any question.", line=number))
                continue
            question.options.append(line[2:].strip())
        elif line.startswith("ANSWER:"):
            if question is None:
                result.errors.append(_("Line %(line)s: an answer before any question.", line=number))
                continue
            _finish(question, line, number, result)
            question = None
        else:
            if question is not None:
                result.errors.append(_("Line %(line)s (%(name)s): the question has no ANSWER: line before the "
                                       "next question starts on line %(next)s.", line=question.line,
                                       name=question.name, next=number))
            question = ParsedQuestion(name=line[:50], text=line, options=[], correct=[], line=number)
    if question is not None:
        result.errors.append(_("Line %(line)s (%(name)s): the question has no ANSWER: line.",
                               line=question.line, name=question.name))
    return result


def _finish(question: ParsedQuestion, line: str, number: int, result: ParseResult) -> None:
    letter = line.split(":", 1)[1].strip()[:1]
    if len(question.options) < 2:
        result.errors.append(_("Line %(line)s (%(name)s): a question needs at least two options.",
                               line=number, name=question.name))
        return
    index = ord(letter) - ord("A") if letter else -1
    if not 0 <= index < len(question.options):
        result.errors.append(_("Line %(line)s (%(name)s): the answer names no option.",
                               line=number, name=question.name))
        return
    question.correct = [index]
    result.questions.append(question)
