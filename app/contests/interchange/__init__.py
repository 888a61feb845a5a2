"""Question files of other systems: Moodle's GIFT and Moodle XML, and Aiken (read and write).

Each format has a parser of its own (``gift.py``, ``moodle_xml.py``, ``aiken.py``), modelled on
Moodle's (question/format/<format>/format.php) so that a file Moodle reads reads the same here.
A parser returns a ``ParseResult``: the questions the product grades (single- and multiple-answer
choice, true/false), the questions of other types (listed with their name and type, imported only
when the organizer agrees to skip them) and the malformed ones (errors naming their line or
question name; then nothing is written). ``app.contests.exchange`` turns the result into a bank.

What travels between the product and Moodle:

- question text, options and the explanation (Moodle's general feedback); HTML is sanitized with
  nh3 and turned into readable text (paragraphs and line breaks kept, every tag dropped);
- the right options (single choice: the 100 % answer; multiple answers: every positive one);
  true/false becomes two options in the UI's language;
- the id in the bank (Moodle's ID number, else made from the question's name) and the tags;
  Moodle categories become tags ("$course$/Iota/Kappa" → "iota/kappa"); competence and difficulty
  travel as the tags ``competence:<code>`` and ``difficulty:<1-3>``;
- Moodle XML only: the question's image (``<file encoding="base64">`` referenced by
  ``@@PLUGINFILE@@``), stored like lessons' uploaded images. GIFT carries no files.
"""
from __future__ import annotations

from dataclasses import dataclass, field

META_COMPETENCE = "competence:"
META_DIFFICULTY = "difficulty:"


@dataclass
class ParsedQuestion:
    """A gradable question read from a file, before the product's own validation."""

    name: str
    text: str
    options: list[str]
    correct: list[int]
    line: int | None = None
    idnumber: str = ""
    explanation: str = ""
    tags: list[str] = field(default_factory=list)
    category: str = ""
    image: tuple[str, bytes] | None = None  # (file name, content)

    @property
    def where(self) -> str:
        """How an error names the question: its line and name."""
        return f"{self.line}: {self.name}" if self.line else self.name


@dataclass
class Unsupported:
    """A question of a type the product does not grade."""

    name: str
    qtype: str
    line: int | None = None


@dataclass
class ParseResult:
    questions: list[ParsedQuestion] = field(default_factory=list)
    unsupported: list[Unsupported] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def category_tag(path: str) -> str:
    """A Moodle category path as one tag: "$course$/top/Iota/Kappa" → "iota/kappa"."""
    parts = [p.strip() for p in path.replace("\\/", "\x00").split("/")]
    parts = [p.replace("\x00", "/") for p in parts if p]
    if parts and parts[0].startswith("$") and parts[0].endswith("$"):
        parts = parts[1:]
    if parts and parts[0].lower() == "top":
        parts = parts[1:]
    return "/".join(parts).lower()
