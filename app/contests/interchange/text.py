"""Moodle's text formats to the product's plain text, and back (for export)."""
from __future__ import annotations

import html
import re

import nh3

BREAKS = re.compile(r"<br\s*/?>|</(?:p|div|li|h[1-6]|tr|blockquote|pre|ul|ol|table)\s*>", re.IGNORECASE)
ITEMS = re.compile(r"<li(?:\s[^>]*)?>", re.IGNORECASE)
IMAGES = re.compile(r"""<img\s[^>]*?src\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))[^>]*>""", re.IGNORECASE)
SPACES = re.compile(r"[ \t\u00a0\f\v]+")


def html_to_text(value: str) -> str:
    """Sanitized, readable text of an HTML fragment: line breaks and paragraphs become new lines,
    list items "• ", every tag (and script or style content) is dropped by nh3, entities decoded."""
    value = re.sub(r"[\r\n\t]+", " ", value or "")
    value = ITEMS.sub("\n• ", BREAKS.sub("\n", value))
    cleaned = nh3.clean(value, tags=set(), attributes={}, strip_comments=True)
    return tidy(html.unescape(cleaned))


def tidy(value: str) -> str:
    """Spaces collapsed within lines, no empty line at either end nor two in a row."""
    lines = [SPACES.sub(" ", line).strip() for line in (value or "").replace("\r\n", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


def moodle_text(value: str, fmt: str) -> str:
    """A Moodle text in one of its formats as plain text. HTML and Moodle's auto-format (HTML where
    new lines are breaks) are sanitized and read; plain text and Markdown are kept as written."""
    fmt = (fmt or "").strip()
    if fmt in ("plain_text", "plain", "markdown", "wiki_like"):
        return tidy(value)
    if fmt in ("moodle_auto_format", "moodle", ""):
        value = (value or "").replace("\r\n", "\n").replace("\n", "<br>")
    return html_to_text(value)


def image_sources(value: str) -> list[str]:
    """The ``src`` of every ``<img>`` in an HTML fragment, in order."""
    return [next(g for g in m.groups() if g is not None) for m in IMAGES.finditer(value or "")]


def text_to_html(value: str) -> str:
    """Plain text as HTML that ``html_to_text`` reads back unchanged."""
    return "<br>".join(html.escape(line, quote=False) for line in (value or "").split("\n"))
