"""Lesson search that understands the words people use: ``rank_lessons``.

People type what they would say ("lam giay khai sinh", "khai sinh cho con", "dang ki khai sinh",
"vneid muc 2"), without accents, with typos and with filler words. A lesson is found by:

- its wordings: the title, the ``synonyms`` its author listed in the front matter (how people ask
  for it), the titles of its steps, its course's title, and the start of its text;
- fuzzy words: every text is folded (no accents, lower case, ``app.core.text.fold``), "y" at the
  end of a syllable is read as "i" ("ky" = "ki", "my" = "mi"), and a query word matches a lesson
  word when they are equal or nearly so (similarity ratio ≥ 0.8, ``difflib``'s 2·matches/length,
  for words of 4 letters or more: "khai sin" finds "khai sinh", "vnied" finds "vneid");
- ranking: each wording scores the share of the query's meaningful words it contains (weighted
  by how close each match is), plus a bonus for query word pairs found side by side ("khai sinh"
  as a phrase); a wording's score is multiplied by its field's weight (title and synonyms 1.0,
  step titles 0.7, course title 0.6, text 0.5) and the lesson takes its best wording, plus a
  tenth of the other fields' best. Lessons scoring under ``MIN_SCORE`` are left out.

All in Python over the published lessons (a province has tens to a few hundred), so it works
the same on SQLite and PostgreSQL.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from app.core.text import fold
from app.learn.models import Lesson

# Words that carry no subject in an everyday request ("làm thế nào để ... cho tôi").
FILLER = frozenset({
    "a", "ah", "oi", "nhe", "nha", "di", "la", "lam", "the", "nao", "sao", "cach", "de", "toi", "em",
    "minh", "chau", "con", "cho", "cua", "voi", "va", "o", "dau", "gi", "muon", "can", "giup", "huong",
    "dan", "bai", "xem", "biet", "ra", "ve", "nhu",
})
FIELD_WEIGHTS = {"title": 1.0, "synonym": 1.0, "step": 0.7, "course": 0.6, "text": 0.5}
MIN_SCORE = 0.5
NEAR = 80  # similarity (percent) from which two words of 4+ letters count as the same word


def normalize(text: str | None) -> list[str]:
    """Folded words with the y/i spelling variants made one: "Đăng ký" → ["dang", "ki"]."""
    return list(_normalized(text or ""))


@lru_cache(maxsize=16384)
def _normalized(text: str) -> tuple[str, ...]:
    # cached: a lesson's wordings are the same texts on every search
    words = re.findall(r"[a-z0-9]+", fold(text))
    return tuple(re.sub(r"(?<=[^aeiouy])y$", "i", w) if len(w) <= 4 else w for w in words)


def _meaningful(words: list[str]) -> list[str]:
    """The query without filler words (a query made only of filler keeps its words)."""
    kept = [w for w in words if w not in FILLER]
    return kept or words


@lru_cache(maxsize=65536)
def _word_match(query_word: str, word: str) -> float:
    """1.0 for the same word, the similarity (0.8–1.0) for a near one of 4+ letters, else 0."""
    if query_word == word:
        return 1.0
    if len(query_word) < 4 or len(word) < 3 \
            or 200 * min(len(query_word), len(word)) < NEAR * (len(query_word) + len(word)):
        return 0.0  # too short to guess, or lengths too far apart to reach NEAR
    ratio = 100 * SequenceMatcher(None, query_word, word).ratio()
    return ratio / 100 if ratio >= NEAR else 0.0


Matches = dict[str, dict[str, float]]  # query word → {lesson word: closeness}


@lru_cache(maxsize=16384)
def _shape(words: tuple[str, ...]) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    """A wording's words and its pairs of neighbouring words (cached per wording)."""
    return frozenset(words), frozenset(zip(words, words[1:], strict=False))


def _wording_score(query: tuple[str, ...], matches: Matches, words: tuple[str, ...]) -> float:
    """Share of query words found in ``words`` (by closeness), plus up to 0.25 for pairs side by side."""
    if not query or not words:
        return 0.0
    vocabulary, pairs = _shape(words)
    found = [max((c for w, c in matches[q].items() if w in vocabulary), default=0.0) for q in query]
    score = sum(found) / len(query)
    if len(query) > 1 and score:
        together = sum(1 for a, b in zip(query, query[1:], strict=False)
                       if any((x, y) in pairs for x in matches[a] for y in matches[b]))
        score += 0.25 * together / (len(query) - 1)
    return score


@dataclass(frozen=True)
class Hit:
    lesson: Lesson
    score: float


def _wordings(lesson: Lesson) -> Iterable[tuple[str, tuple[str, ...]]]:
    yield "title", _normalized(lesson.title)
    for synonym in lesson.synonyms or []:
        yield "synonym", _normalized(synonym)
    for step in lesson.steps:
        yield "step", _normalized(step.title)
    yield "course", _normalized(f"{lesson.course.title} {lesson.course.summary}")
    yield "text", _normalized(lesson.body[:500])


def _match_words(query: tuple[str, ...], vocabulary: set[str]) -> Matches:
    """For each query word, the lesson words that count as it (computed once per search)."""
    return {q: {w: c for w in vocabulary if (c := _word_match(q, w))} for q in query}


def score_lesson(query: str, lesson: Lesson, matches: Matches | None = None) -> float:
    """How well ``lesson`` answers ``query`` (0 = not at all; see the module's rules)."""
    words = tuple(_meaningful(normalize(query)))
    wordings = list(_wordings(lesson))
    if matches is None:
        matches = _match_words(words, {w for _field, wording in wordings for w in wording})
    best: dict[str, float] = {}
    for field, wording in wordings:
        best[field] = max(best.get(field, 0.0), FIELD_WEIGHTS[field] * _wording_score(words, matches, wording))
    if not best:
        return 0.0
    top = max(best, key=lambda k: best[k])
    return best[top] + 0.1 * sum(v for k, v in best.items() if k != top)


def rank_lessons(query: str, lessons: Iterable[Lesson]) -> list[Hit]:
    """The lessons that answer ``query``, best first (ties: course order, then lesson order)."""
    lessons = list(lessons)
    words = tuple(_meaningful(normalize(query)))
    vocabulary = {w for lesson in lessons for _field, wording in _wordings(lesson) for w in wording}
    matches = _match_words(words, vocabulary)
    hits = [Hit(lesson, score) for lesson in lessons
            if (score := score_lesson(query, lesson, matches)) >= MIN_SCORE]
    hits.sort(key=lambda h: (-round(h.score, 6), h.lesson.course.position, h.lesson.position))
    return hits
