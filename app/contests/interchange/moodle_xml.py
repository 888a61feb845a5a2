"""Moodle XML: read (as Moodle's qformat_xml does for the types the product grades) and write.

``<quiz>`` holds ``<question type="...">`` elements. ``type="category"`` switches the category;
``multichoice`` (``<single>`` true or false, ``<answer fraction="...">``) and ``truefalse`` are
read; every other type is listed as unsupported. Texts carry a ``format`` (html,
moodle_auto_format, plain_text, markdown); files are ``<file name=".." encoding="base64">`` inside
the text element and referenced as ``@@PLUGINFILE@@/<name>``. The XML is parsed with defusedxml
(no entities, no external references).
"""
from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import quote, unquote
from xml.etree import ElementTree as ET

from defusedxml import ElementTree as SafeET
from flask_babel import gettext as _

from app.contests.interchange import ParsedQuestion, ParseResult, Unsupported
from app.contests.interchange.gift import right_options, type_names, weight_text
from app.contests.interchange.text import image_sources, moodle_text, text_to_html

PLUGINFILE = "@@PLUGINFILE@@/"


def _text(element: ET.Element | None, path: str = "text") -> str:
    node = element.find(path) if element is not None else None
    return (node.text or "") if node is not None else ""


def _formatted(element: ET.Element | None, default: str = "html") -> str:
    if element is None:
        return ""
    return moodle_text(_text(element), element.get("format", default))


def _lines(content: bytes) -> dict[int, int]:
    """Line number of each ``<question`` start, in document order (ElementTree keeps none)."""
    text = content.decode("utf-8", "replace")
    return {i: text.count("\n", 0, m.start()) + 1 for i, m in enumerate(re.finditer(r"<question[\s>]", text))}


def parse_moodle_xml(content: bytes) -> ParseResult:
    """Read a Moodle XML file (bytes)."""
    result = ParseResult()
    try:
        root = SafeET.fromstring(content)
    except (ET.ParseError, ValueError) as exc:
        position = getattr(exc, "position", None)
        where = _("line %(line)s", line=position[0]) if position else ""
        result.errors.append(_("The file is not valid XML (%(where)s): %(error)s", where=where,
                               error=str(exc).split(":")[0]))
        return result
    except Exception as exc:  # defusedxml refuses entities and DTDs with its own exceptions
        result.errors.append(_("The file is not accepted: %(error)s", error=type(exc).__name__))
        return result
    if root.tag != "quiz":
        result.errors.append(_("A Moodle XML file starts with <quiz>."))
        return result
    lines = _lines(content)
    category = ""
    for index, element in enumerate(root.iter("question")):
        line = lines.get(index)
        qtype = element.get("type", "")
        if qtype == "category":
            category = _text(element.find("category")).strip()
            continue
        name = _text(element.find("name")).strip() or _text(element.find("questiontext")).strip()[:50]
        if qtype not in ("multichoice", "truefalse"):
            result.unsupported.append(Unsupported(name, type_names().get(qtype, qtype), line))
            continue
        _read_question(element, qtype, name, line, category, result)
    return result


def _read_question(element: ET.Element, qtype: str, name: str, line: int | None, category: str,
                   result: ParseResult) -> None:
    body = element.find("questiontext")
    raw = _text(body)
    question = ParsedQuestion(
        name=name, text=_formatted(body), options=[], correct=[], line=line,
        idnumber=_text(element, "idnumber").strip(),
        explanation=_formatted(element.find("generalfeedback")),
        tags=[_text(tag).strip() for tag in element.findall("tags/tag") if _text(tag).strip()],
        category=category,
    )
    if not _image(body, raw, question, result):
        return
    answers = element.findall("answer")
    fractions = []
    for answer in answers:
        try:
            fractions.append(float(answer.get("fraction", "0")) / 100)
        except ValueError:
            result.errors.append(_("Line %(line)s (%(name)s): an answer's fraction is not a number.",
                                   line=line, name=name))
            return
    if qtype == "truefalse":
        # Moodle matches the answers' texts "true"/"false"; old files list true first.
        right = None
        for i, answer in enumerate(answers):
            said = _text(answer).strip().lower()
            is_true = said == "true" or (said not in ("true", "false") and i == 0)
            if fractions[i] >= 0.999:
                right = 0 if is_true else 1
        question.options = [_("True"), _("False")]
        question.correct = [] if right is None else [right]
    else:
        single = _text(element, "single").strip().lower() not in ("false", "0", "")
        question.options = [_formatted(answer, "html") for answer in answers]
        question.correct = right_options(fractions, single)
    if not question.correct:
        result.errors.append(_("Line %(line)s (%(name)s): no answer is marked right.", line=line, name=name))
        return
    result.questions.append(question)


def _image(body: ET.Element | None, raw: str, question: ParsedQuestion, result: ParseResult) -> bool:
    """The image of the question text, from its ``<file>`` elements; False on a broken file."""
    files = {f.get("name", ""): f for f in (body.findall("file") if body is not None else [])}
    wanted = [unquote(src[len(PLUGINFILE):]) for src in image_sources(raw) if src.startswith(PLUGINFILE)]
    wanted = [name for name in wanted if name in files]
    if len(wanted) > 1:
        result.errors.append(_("Line %(line)s (%(name)s): a question can show one image; this one has %(n)s.",
                               line=question.line, name=question.name, n=len(wanted)))
        return False
    if wanted:
        try:
            data = base64.b64decode(files[wanted[0]].text or "", validate=False)
        except (binascii.Error, ValueError):
            result.errors.append(_("Line %(line)s (%(name)s): the image %(file)s is not valid base64.",
                                   line=question.line, name=question.name, file=wanted[0]))
            return False
        question.image = (wanted[0], data)
    return True


# --- writing -----------------------------------------------------------------------------------


def _text_element(parent: ET.Element, tag: str, value: str, fmt: str | None = "html",
                  attributes: dict[str, str] | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag, {**(attributes or {}), **({"format": fmt} if fmt else {})})
    ET.SubElement(element, "text").text = value
    return element


def write_moodle_xml(questions: list[dict]) -> bytes:
    """A Moodle XML file of ``questions`` (dicts: key, text, options, correct, explanation, tags,
    image as (file name, bytes) or None), each a multichoice question in HTML."""
    quiz = ET.Element("quiz")
    for q in questions:
        element = ET.SubElement(quiz, "question", {"type": "multichoice"})
        _text_element(element, "name", q["key"], None)
        html = text_to_html(q["text"])
        if q.get("image"):
            filename, data = q["image"]
            html += f'<br><img src="{PLUGINFILE}{quote(filename)}" alt="">'
        body = _text_element(element, "questiontext", html)
        if q.get("image"):
            file = ET.SubElement(body, "file", {"name": filename, "path": "/", "encoding": "base64"})
            file.text = base64.b64encode(data).decode("ascii")
        _text_element(element, "generalfeedback", text_to_html(q["explanation"]))
        for tag, value in (("defaultgrade", "1"), ("penalty", "0.3333333"), ("hidden", "0"),
                           ("idnumber", q["key"]), ("single", "false" if len(q["correct"]) > 1 else "true"),
                           ("shuffleanswers", "true"), ("answernumbering", "ABCD")):
            ET.SubElement(element, tag).text = value
        multiple = len(q["correct"]) > 1
        for i, option in enumerate(q["options"]):
            right = i in q["correct"]
            fraction = (weight_text(len(q["correct"])) if multiple else "100") if right else \
                ("-100" if multiple else "0")
            answer = _text_element(element, "answer", text_to_html(option), attributes={"fraction": fraction})
            _text_element(answer, "feedback", "")
        tags = ET.SubElement(element, "tags")
        for tag in q["tags"]:
            ET.SubElement(ET.SubElement(tags, "tag"), "text").text = tag
    ET.indent(quiz)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="utf-8", xml_declaration=False) \
        + b"\n"
