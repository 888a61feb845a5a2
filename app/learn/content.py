"""Lesson content as files: ``check_content``, ``load_content``, ``export_course`` (format: docs/content.md).

``courses/<course-slug>/course.yml`` describes a course; every ``*.md`` file beside it is a lesson
(YAML front matter, then a Markdown introduction); media files live beside the lessons (usually in
``media/``). Every problem is reported as ``file:line: message`` and nothing is written when there
is one. Loading upserts by slug (courses), by slug within the course (lessons) and by step ``id``
(steps), so learners keep the progress of the steps that still exist.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import markdown
import nh3
import yaml
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from app.competency.framework import known_codes
from app.core.extensions import db
from app.core.text import fold
from app.learn import media as media_service
from app.learn.models import AUDIENCES, LESSON_KINDS, STATUSES, Course, Lesson, MediaFile, Step

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
RESERVED_SLUGS = {"assist", "author", "media", "me", "offline", "search"}
FIELD_TYPES = ("digits", "text", "select", "date", "phone")
NARRATION_DIR = "media/narration"


# --- errors ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ContentError:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


class ContentInvalid(ValueError):
    """Content files were refused; ``errors`` name every file and line."""

    def __init__(self, errors: list[ContentError]):
        super().__init__(f"{len(errors)} problems in the content files")
        self.errors = errors


# --- YAML with line numbers ------------------------------------------------------------------------

class LineDict(dict):
    """A YAML mapping that remembers the line of itself and of each key (1-based)."""

    line: int = 0
    key_lines: dict

    def at(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _LineLoader(yaml.SafeLoader):
    duplicate_keys: list[tuple[int, str]]


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result.key_lines:
            loader.duplicate_keys.append((key_node.start_mark.line + 1, str(key)))
        result.key_lines[key] = key_node.start_mark.line + 1
        result[key] = loader.construct_object(value_node, deep=True)
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_yaml(text: str, path: str, errors: list[ContentError], line_offset: int = 0) -> Any:
    """Parse YAML keeping line numbers; syntax errors and duplicate keys go to ``errors``."""
    loader = _LineLoader(text)
    loader.duplicate_keys = []
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 + line_offset if mark else None
        errors.append(ContentError(path, line, f"bad YAML: {getattr(exc, 'problem', None) or exc}"))
        return None
    finally:
        loader.dispose()
    for line, key in loader.duplicate_keys:
        errors.append(ContentError(path, line + line_offset, f"duplicate key {key!r}"))
    if line_offset:
        _shift_lines(data, line_offset)
    return data


def _shift_lines(data: Any, offset: int) -> None:
    if isinstance(data, LineDict):
        data.line += offset
        data.key_lines = {k: v + offset for k, v in data.key_lines.items()}
        for value in data.values():
            _shift_lines(value, offset)
    elif isinstance(data, list):
        for item in data:
            _shift_lines(item, offset)


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """``(front matter YAML, Markdown body, line where the body starts)``; None without front matter."""
    lines = text.lstrip("\ufeff").split("\n")
    if not lines or lines[0].strip() != "---":
        return None, text, 1
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1:]).strip("\n"), i + 2
    return None, text, 1


# --- specs (what a file says, checked) -------------------------------------------------------------

@dataclass
class StepSpec:
    key: str
    title: str
    body: str = ""
    tip: str | None = None
    warning: str | None = None
    image: Path | None = None
    image_alt: str | None = None
    audio: Path | None = None
    check: dict | None = None
    rehearsal: dict | None = None


@dataclass
class LessonSpec:
    slug: str
    title: str
    kind: str
    minutes: int
    competences: list[str]
    order: int
    status: str
    body: str
    path: Path
    video: Path | None = None
    captions: Path | None = None
    poster: Path | None = None
    steps: list[StepSpec] = field(default_factory=list)
    synonyms: list[str] = field(default_factory=list)


@dataclass
class CourseSpec:
    slug: str
    title: str
    summary: str
    audience: str
    competences: list[str]
    order: int
    status: str
    path: Path
    lessons: list[LessonSpec] = field(default_factory=list)


class _Checker:
    """Collects problems for one file; helpers read typed fields from a LineDict."""

    def __init__(self, path: Path, root: Path, errors: list[ContentError]):
        self.path, self.root, self.errors = path, root, errors
        try:
            self.name = str(path.relative_to(root.parent))
        except ValueError:
            self.name = str(path)

    def error(self, line: int | None, message: str) -> None:
        self.errors.append(ContentError(self.name, line, message))

    def text(self, data: LineDict, key: str, required: bool = True, max_len: int = 200) -> str | None:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(data.line, f"missing {key}")
            return None
        if not isinstance(value, str | int | float):
            self.error(data.at(key), f"{key} must be text")
            return None
        value = str(value).strip()
        if len(value) > max_len:
            self.error(data.at(key), f"{key} is longer than {max_len} characters")
        return value

    def choice(self, data: LineDict, key: str, choices: tuple[str, ...], default: str) -> str:
        value = str(data.get(key, default))
        if value not in choices:
            self.error(data.at(key), f"{key} must be one of {', '.join(choices)} (not {value!r})")
        return value

    def integer(self, data: LineDict, key: str, default: int, minimum: int = 0) -> int:
        value = data.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.error(data.at(key), f"{key} must be a whole number ≥ {minimum}")
            return default
        return value

    def codes(self, data: LineDict, key: str, required: bool = False) -> list[str]:
        value = data.get(key)
        if value is None:
            if required:
                self.error(data.line, f"missing {key} (competence codes such as \"2.3\")")
            return []
        if not isinstance(value, list):
            value = [value]
        codes = [str(c) for c in value]
        known = known_codes()
        for code in codes:
            if code not in known:
                self.error(data.at(key), f"unknown competence code {code!r} (not in the framework file)")
        return codes

    def wordings(self, data: LineDict, key: str, max_items: int = 40, max_len: int = 100) -> list[str]:
        """A list of short texts (a lesson's ``synonyms``: how people ask for it)."""
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.error(data.at(key), f"{key} must be a list of short texts")
            return []
        if len(value) > max_items:
            self.error(data.at(key), f"{key} lists more than {max_items} wordings")
        for text in value:
            if len(text) > max_len:
                self.error(data.at(key), f"{key}: {text[:30]!r}… is longer than {max_len} characters")
        return [" ".join(v.split()) for v in value]

    def media(self, data: LineDict, key: str, kind: str, base: Path, required: bool = False) -> Path | None:
        value = data.get(key)
        if value in (None, ""):
            if required:
                self.error(data.line, f"missing {key}")
            return None
        rel = str(value)
        target = (base / rel).resolve()
        course_dir = base.resolve()
        if rel.startswith("/") or ".." in Path(rel).parts or not str(target).startswith(str(course_dir)):
            self.error(data.at(key), f"{key} must be a file beside the lesson: {rel}")
            return None
        if not target.is_file():
            self.error(data.at(key), f"missing media file {rel}")
            return None
        try:
            media_service.check_media(target.read_bytes(), kind)
        except media_service.MediaError as exc:
            self.error(data.at(key), f"{rel}: {exc}")
            return None
        return target


def check_question(check: Any) -> list[str]:
    """Problems of a check question definition (used by the loader and the authoring form)."""
    if not isinstance(check, dict):
        return [_("check must be a mapping with question, options and answer")]
    problems = []
    if not str(check.get("question") or "").strip():
        problems.append(_("check.question is missing"))
    options = check.get("options")
    if not isinstance(options, list) or len(options) < 2 or not all(str(o).strip() for o in options):
        problems.append(_("check.options must list at least two answers"))
        options = []
    answer = check.get("answer")
    if not isinstance(answer, int) or isinstance(answer, bool) or not 1 <= answer <= max(len(options), 1):
        problems.append(_("check.answer must be the number (1, 2, …) of the right option"))
    known = known_codes()
    for code in check.get("competences") or []:
        if str(code) not in known:
            problems.append(_("unknown competence code %(code)s (not in the framework file)", code=repr(code)))
    return problems


def rehearsal_problems(rehearsal: Any) -> list[str]:
    """Problems of a rehearsal form definition (used by the loader and the authoring form)."""
    if not isinstance(rehearsal, dict) or not isinstance(rehearsal.get("fields"), list) \
            or not rehearsal["fields"]:
        return [_("rehearsal must have a list of fields")]
    problems, names = [], set()
    for n, spec in enumerate(rehearsal["fields"], 1):
        if not isinstance(spec, dict):
            problems.append(_("rehearsal field %(n)s must be a mapping", n=n))
            continue
        name = str(spec.get("name") or "")
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", name):
            problems.append(_("rehearsal field %(n)s: name must be lower-case letters, digits or _", n=n))
        elif name in names:
            problems.append(_("rehearsal field %(n)s: duplicate name %(name)s", n=n, name=name))
        names.add(name)
        kind = spec.get("type")
        if kind not in FIELD_TYPES:
            problems.append(_("rehearsal field %(n)s: type must be one of %(types)s", n=n, types=", ".join(FIELD_TYPES)))
        if not str(spec.get("label") or "").strip():
            problems.append(_("rehearsal field %(n)s: missing label", n=n))
        if not str(spec.get("hint") or "").strip():
            problems.append(_("rehearsal field %(n)s: missing hint (shown when the answer is wrong)", n=n))
        if kind == "digits" and not isinstance(spec.get("length"), int):
            problems.append(_("rehearsal field %(n)s: digits need a length", n=n))
        if kind == "select":
            options = spec.get("options")
            if not isinstance(options, list) or len(options) < 2:
                problems.append(_("rehearsal field %(n)s: a select needs at least two options", n=n))
            elif spec.get("expected") is not None and str(spec["expected"]) not in map(str, options):
                problems.append(_("rehearsal field %(n)s: expected must be one of the options", n=n))
        if kind == "date":
            for bound in ("min", "max"):
                if spec.get(bound) is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(spec[bound])):
                    problems.append(_("rehearsal field %(n)s: %(bound)s must be a date like 2024-01-31", n=n, bound=bound))
    return problems


def _plain(data: Any) -> Any:
    """LineDicts back to plain dicts/lists (what is stored as JSON)."""
    if isinstance(data, dict):
        return {str(k): _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    if hasattr(data, "isoformat"):
        return data.isoformat()
    return data


def _check_step(chk: _Checker, data: Any, base: Path, seen: set[str], position: int) -> StepSpec | None:
    if not isinstance(data, LineDict):
        chk.error(None, f"step {position} must be a mapping")
        return None
    title = chk.text(data, "title") or ""
    key = str(data.get("id") or slugify(title))[:60]
    if not KEY_RE.match(key):
        chk.error(data.at("id"), f"step id {key!r} must be lower-case letters, digits, - or _")
    elif key in seen or key == "video":
        chk.error(data.at("id"), f"duplicate step id {key!r}")
    seen.add(key)
    body = data.get("text")
    if body is not None and not isinstance(body, str):
        chk.error(data.at("text"), "text must be Markdown text")
        body = ""
    spec = StepSpec(key=key, title=title, body=(body or "").strip(),
                    tip=chk.text(data, "tip", required=False, max_len=1000),
                    warning=chk.text(data, "warning", required=False, max_len=1000),
                    image=chk.media(data, "image", "image", base),
                    image_alt=chk.text(data, "image_alt", required=False, max_len=300),
                    audio=chk.media(data, "audio", "audio", base))
    if spec.audio is None and not data.get("audio"):
        narration = base / NARRATION_DIR / f"{chk.path.stem}--{key}.mp3"
        if narration.is_file():
            spec.audio = narration
    if data.get("check") is not None:
        for problem in check_question(data["check"]):
            chk.error(data.at("check"), problem)
        spec.check = _plain(data["check"])
    if data.get("rehearsal") is not None:
        for problem in rehearsal_problems(data["rehearsal"]):
            chk.error(data.at("rehearsal"), problem)
        spec.rehearsal = _plain(data["rehearsal"])
        if spec.check is not None:
            chk.error(data.at("rehearsal"), "a step has either a check question or a rehearsal form")
    return spec


def check_lesson_file(path: Path, root: Path, errors: list[ContentError]) -> LessonSpec | None:
    chk = _Checker(path, root, errors)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        chk.error(None, "the file is not UTF-8 text")
        return None
    front, body, _body_line = split_front_matter(text)
    if front is None:
        chk.error(1, "a lesson file starts with front matter between two --- lines")
        return None
    data = parse_yaml(front, chk.name, errors, line_offset=1)
    if data is None:
        return None
    if not isinstance(data, LineDict):
        chk.error(2, "the front matter must be a mapping")
        return None
    slug = chk.text(data, "slug", max_len=80) or ""
    if slug and not SLUG_RE.match(slug):
        chk.error(data.at("slug"), f"slug {slug!r} must be lower-case letters, digits and dashes")
    kind = chk.choice(data, "kind", LESSON_KINDS, "steps")
    base = path.parent
    lesson = LessonSpec(slug=slug, title=chk.text(data, "title") or "", kind=kind,
                        minutes=chk.integer(data, "minutes", 5, minimum=1),
                        competences=chk.codes(data, "competences", required=True),
                        order=chk.integer(data, "order", 0), status=chk.choice(data, "status", STATUSES,
                                                                                "published"),
                        body=body, path=path, synonyms=chk.wordings(data, "synonyms"))
    if kind == "video":
        lesson.video = chk.media(data, "video", "video", base, required=True)
        lesson.captions = chk.media(data, "captions", "captions", base, required=True)
        lesson.poster = chk.media(data, "poster", "image", base, required=True)
    steps = data.get("steps") or []
    if not isinstance(steps, list):
        chk.error(data.at("steps"), "steps must be a list")
        steps = []
    if kind == "steps" and not steps:
        chk.error(data.line, "a steps lesson needs at least one step")
    seen: set[str] = set()
    for position, step in enumerate(steps, 1):
        spec = _check_step(chk, step, base, seen, position)
        if spec:
            lesson.steps.append(spec)
    return lesson


def check_course_dir(course_dir: Path, root: Path, errors: list[ContentError]) -> CourseSpec | None:
    chk = _Checker(course_dir / "course.yml", root, errors)
    try:
        data = parse_yaml(chk.path.read_text(encoding="utf-8"), chk.name, errors)
    except UnicodeDecodeError:
        chk.error(None, "the file is not UTF-8 text")
        return None
    if data is None:
        return None
    if not isinstance(data, LineDict):
        chk.error(1, "course.yml must be a mapping")
        return None
    slug = chk.text(data, "slug", max_len=80) or ""
    if slug and (not SLUG_RE.match(slug) or slug in RESERVED_SLUGS):
        chk.error(data.at("slug"), f"slug {slug!r} must be lower-case letters, digits and dashes "
                                   f"(and not {', '.join(sorted(RESERVED_SLUGS))})")
    course = CourseSpec(slug=slug, title=chk.text(data, "title") or "",
                        summary=chk.text(data, "summary", required=False, max_len=2000) or "",
                        audience=chk.choice(data, "audience", AUDIENCES, "all"),
                        competences=chk.codes(data, "competences", required=True),
                        order=chk.integer(data, "order", 0),
                        status=chk.choice(data, "status", STATUSES, "published"), path=course_dir)
    seen: dict[str, Path] = {}
    for lesson_path in sorted(course_dir.glob("*.md")):
        lesson = check_lesson_file(lesson_path, root, errors)
        if lesson is None:
            continue
        if lesson.slug in seen:
            _Checker(lesson_path, root, errors).error(
                2, f"duplicate lesson slug {lesson.slug!r} (also in {seen[lesson.slug].name})")
        seen[lesson.slug] = lesson_path
        course.lessons.append(lesson)
    course.lessons.sort(key=lambda item: (item.order, item.slug))
    return course


def check_content(root: Path) -> tuple[list[CourseSpec], list[ContentError]]:
    """Validate every course under ``root`` without writing anything; ``(courses, errors)``."""
    errors: list[ContentError] = []
    courses: list[CourseSpec] = []
    root = Path(root)
    if not root.is_dir():
        return [], [ContentError(str(root), None, "no such directory")]
    seen: dict[str, Path] = {}
    for course_file in sorted(root.glob("*/course.yml")):
        course = check_course_dir(course_file.parent, root, errors)
        if course is None:
            continue
        if course.slug in seen:
            errors.append(ContentError(str(course_file.relative_to(root.parent)), 1,
                                       f"duplicate course slug {course.slug!r} "
                                       f"(also in {seen[course.slug].name})"))
        seen[course.slug] = course_file.parent
        courses.append(course)
    return courses, errors


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:60]


# --- loading ---------------------------------------------------------------------------------------

@dataclass
class LoadResult:
    courses: int = 0
    lessons: int = 0
    steps: int = 0
    created: list[str] = field(default_factory=list)


def _media(path: Path | None, kind: str) -> MediaFile | None:
    if path is None:
        return None
    return media_service.store_media(path.read_bytes(), path.name, kind)


def load_content(root: Path) -> LoadResult:
    """Check everything under ``root``, then upsert it by slug in the current transaction.

    Raises ContentInvalid (and writes nothing) when any file has a problem; the caller commits.
    Lessons that disappeared from a course's files become drafts, so progress is never deleted.
    """
    specs, errors = check_content(root)
    if errors:
        raise ContentInvalid(errors)
    result = LoadResult()
    with db.session.no_autoflush:
        for spec in specs:
            _load_course(spec, result)
    db.session.flush()
    return result


def _load_course(spec: CourseSpec, result: LoadResult) -> None:
    """Upsert one course and its lessons (inside load_content's no-autoflush block)."""
    course = db.session.scalar(select(Course).where(Course.slug == spec.slug))
    if course is None:
        course = Course(slug=spec.slug)
        db.session.add(course)
        result.created.append(spec.slug)
    course.title, course.summary, course.audience = spec.title, spec.summary, spec.audience
    course.competences, course.position, course.status = spec.competences, spec.order, spec.status
    course.search_text = fold(f"{spec.title} {spec.summary}")
    by_slug = {lesson.slug: lesson for lesson in course.lessons}
    for lesson_spec in spec.lessons:
        lesson = by_slug.pop(lesson_spec.slug, None)
        if lesson is None:
            lesson = Lesson(slug=lesson_spec.slug)
            course.lessons.append(lesson)
        _apply_lesson(lesson, lesson_spec)
        result.lessons += 1
        result.steps += len(lesson_spec.steps)
    for retired in by_slug.values():
        retired.status = "draft"
    result.courses += 1


def _apply_lesson(lesson: Lesson, spec: LessonSpec) -> None:
    lesson.title, lesson.kind, lesson.minutes = spec.title, spec.kind, spec.minutes
    lesson.competences, lesson.position, lesson.status = spec.competences, spec.order, spec.status
    lesson.body, lesson.synonyms = spec.body, spec.synonyms
    lesson.video, lesson.captions = _media(spec.video, "video"), _media(spec.captions, "captions")
    lesson.poster = _media(spec.poster, "image")
    lesson.search_text = fold(f"{spec.title} {spec.body[:500]}")
    existing = {step.key: step for step in lesson.steps}
    ordered = []
    for position, step_spec in enumerate(spec.steps):
        step = existing.pop(step_spec.key, None) or Step(key=step_spec.key)
        step.position, step.title, step.body = position, step_spec.title, step_spec.body
        step.tip, step.warning, step.image_alt = step_spec.tip, step_spec.warning, step_spec.image_alt
        step.image, step.audio = _media(step_spec.image, "image"), _media(step_spec.audio, "audio")
        step.check, step.rehearsal = step_spec.check, step_spec.rehearsal
        ordered.append(step)
    lesson.steps = ordered  # steps no longer in the file are deleted (delete-orphan)


# --- exporting -------------------------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_presenter)


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def export_course(course: Course, dest_root: Path) -> Path:
    """Write ``course`` to ``dest_root/<slug>/`` in the courses/ format (load → export → load is lossless)."""
    course_dir = Path(dest_root) / course.slug
    media_dir = course_dir / "media"
    media_dir.mkdir(parents=True, exist_ok=True)
    names: dict[str, str] = {}  # sha256 → file name written

    def write_media(media: MediaFile | None) -> str | None:
        if media is None:
            return None
        if media.sha256 not in names:
            name = media.filename
            if name in names.values():
                name = f"{media.sha256[:8]}-{name}"
            (media_dir / name).write_bytes(media_service.read_media(media))
            names[media.sha256] = name
        return f"media/{names[media.sha256]}"

    meta = {"slug": course.slug, "title": course.title, "summary": course.summary,
            "audience": course.audience, "competences": list(course.competences or []),
            "order": course.position, "status": course.status}
    (course_dir / "course.yml").write_text(_dump(meta), encoding="utf-8")
    for lesson in course.lessons:
        front: dict[str, Any] = {"slug": lesson.slug, "title": lesson.title, "kind": lesson.kind,
                                 "minutes": lesson.minutes, "order": lesson.position,
                                 "status": lesson.status, "competences": list(lesson.competences or [])}
        if lesson.synonyms:
            front["synonyms"] = list(lesson.synonyms)
        if lesson.kind == "video":
            front.update(video=write_media(lesson.video), captions=write_media(lesson.captions),
                         poster=write_media(lesson.poster))
        steps = []
        for step in lesson.steps:
            item: dict[str, Any] = {"id": step.key, "title": step.title, "text": step.body}
            for key, value in (("tip", step.tip), ("warning", step.warning),
                               ("image", write_media(step.image)), ("image_alt", step.image_alt),
                               ("audio", write_media(step.audio)), ("check", step.check),
                               ("rehearsal", step.rehearsal)):
                if value not in (None, ""):
                    item[key] = value
            steps.append(item)
        if steps:
            front["steps"] = steps
        text = "---\n" + _dump(front) + "---\n" + (lesson.body.strip() + "\n" if lesson.body.strip() else "")
        (course_dir / f"{lesson.slug}.md").write_text(text, encoding="utf-8")
    return course_dir


def course_snapshot(course: Course) -> dict:
    """Everything a course says, media by content hash: equal snapshots mean nothing was lost."""
    def sha(media):
        return media.sha256 if media else None

    return {
        "slug": course.slug, "title": course.title, "summary": course.summary, "audience": course.audience,
        "competences": list(course.competences or []), "order": course.position, "status": course.status,
        "lessons": [{
            "slug": lesson.slug, "title": lesson.title, "kind": lesson.kind, "minutes": lesson.minutes,
            "order": lesson.position, "status": lesson.status, "competences": list(lesson.competences or []),
            "body": lesson.body, "synonyms": list(lesson.synonyms or []), "video": sha(lesson.video), "captions": sha(lesson.captions),
            "poster": sha(lesson.poster),
            "steps": [{"key": s.key, "title": s.title, "body": s.body, "tip": s.tip, "warning": s.warning,
                       "image": sha(s.image), "image_alt": s.image_alt, "audio": sha(s.audio),
                       "check": s.check, "rehearsal": s.rehearsal} for s in lesson.steps],
        } for lesson in course.lessons],
    }


# --- rendering -------------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def render_markdown(text: str | None) -> Markup:
    """Markdown to HTML, sanitized with nh3 (no script, no event handlers, no javascript: links)."""
    html = markdown.markdown(text or "", extensions=["sane_lists"], output_format="html")
    return Markup(nh3.clean(html, url_schemes={"http", "https", "mailto", "tel"}))
