"""The digital competence framework (areas, competences, levels), read from a YAML data file.

The file named by ``FRAMEWORK_FILE`` (default app/competency/data/framework.yml) is parsed once per process;
lessons, lesson checks and questions must carry codes that appear in it.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from flask import current_app, has_app_context
from flask_babel import get_locale


@dataclass(frozen=True)
class Competence:
    code: str
    area: str
    names: dict[str, str]

    def name(self, lang: str | None = None) -> str:
        return self.names.get(lang or _lang(), self.names["vi"])


@dataclass(frozen=True)
class Area:
    code: str
    names: dict[str, str]
    competences: tuple[Competence, ...]

    def name(self, lang: str | None = None) -> str:
        return self.names.get(lang or _lang(), self.names["vi"])


@dataclass(frozen=True)
class Framework:
    slug: str
    areas: tuple[Area, ...]
    levels: tuple[dict, ...]
    groups: dict

    @property
    def competences(self) -> dict[str, Competence]:
        return {c.code: c for a in self.areas for c in a.competences}

    def codes(self) -> frozenset[str]:
        return frozenset(self.competences)

    def level_group(self, level: int) -> str:
        return next(lvl["group"] for lvl in self.levels if lvl["level"] == level)

    def level_name(self, level: int, lang: str | None = None) -> str | None:
        """The level's name in the file ("Cơ bản 2"), None for a level the file does not name."""
        found = next((lvl for lvl in self.levels if lvl["level"] == level), None)
        if found is None:
            return None
        return str(found.get(lang or _lang()) or found.get("vi") or level)


class FrameworkError(ValueError):
    pass


def _lang() -> str:
    try:
        return str(get_locale() or "vi")
    except Exception:  # outside a request
        return "vi"


def parse_framework(data: dict) -> Framework:
    """Build a Framework from parsed YAML, checking its shape; raises FrameworkError."""
    try:
        areas = []
        seen: set[str] = set()
        for area in data["areas"]:
            comps = []
            for comp in area["competences"]:
                code = str(comp["code"])
                if code in seen:
                    raise FrameworkError(f"duplicate competence code {code}")
                seen.add(code)
                comps.append(Competence(code, str(area["code"]), {"vi": comp["vi"], "en": comp["en"]}))
            areas.append(Area(str(area["code"]), {"vi": area["vi"], "en": area["en"]}, tuple(comps)))
        levels = tuple(data["levels"])
        if [lvl["level"] for lvl in levels] != list(range(1, 9)):
            raise FrameworkError("levels must be 1 to 8")
        return Framework(str(data.get("slug", "framework")), tuple(areas), levels, dict(data["groups"]))
    except (KeyError, TypeError) as exc:
        raise FrameworkError(f"malformed framework file: missing {exc}") from exc


@lru_cache(maxsize=8)
def _load(path: str) -> Framework:
    return parse_framework(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


def get_framework(path: str | Path | None = None) -> Framework:
    """The framework in use (the configured file, cached per process)."""
    if path is None:
        path = current_app.config["FRAMEWORK_FILE"] if has_app_context() else \
            Path(__file__).resolve().parent / "data" / "framework.yml"
    return _load(str(path))


def known_codes() -> frozenset[str]:
    """Every competence code of the framework in use (for validating content on load)."""
    return get_framework().codes()


# --- a province's own framework: validation with file and line, codes in use, installation -------

LEVEL_GROUPS = ("foundation", "intermediate", "advanced", "specialised")
MAX_CODE_LENGTH = 10  # questions.competence_code and evidence.competence_code are String(10)


@dataclass
class FrameworkCheck:
    """The result of checking a framework file: ``errors`` name the file and line; ``framework`` is
    set only when there are none."""

    path: str
    errors: list[str]
    framework: Framework | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


class _Checker:
    def __init__(self, name: str) -> None:
        self.name = name
        self.errors: list[str] = []

    def error(self, node, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.errors.append(f"{self.name}:{line}: {message}")

    @staticmethod
    def get(node, key: str):
        """The value node of ``key`` in a mapping node (None when absent)."""
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return value_node
        return None

    def mapping(self, node, what: str) -> bool:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} must be a mapping")
            return False
        return True

    def sequence(self, node, what: str) -> bool:
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            self.error(node, f"{what} must be a non-empty list")
            return False
        return True

    def scalar(self, parent, key: str, what: str) -> str | None:
        node = self.get(parent, key)
        if node is None:
            self.error(parent, f"{what}: missing {key!r}")
            return None
        if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
            self.error(node, f"{what}: {key!r} must be a non-empty text")
            return None
        return str(node.value).strip()

    def names(self, parent, what: str) -> None:
        for lang in ("vi", "en"):
            self.scalar(parent, lang, f"{what} (name in {'Vietnamese' if lang == 'vi' else 'English'})")


def check_framework_text(text: str, name: str) -> FrameworkCheck:
    """Check a framework YAML (the format of app/competency/data/framework.yml) and report every problem with
    the file name and line: YAML syntax, a missing or empty ``vi``/``en`` name, levels other than
    exactly 1 to 8, a level group other than the four (foundation, intermediate, advanced,
    specialised, in that order, all used), duplicate area or competence codes, codes too long."""
    check = _Checker(name)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return FrameworkCheck(name, [f"{name}:{line}: not valid YAML: {getattr(exc, 'problem', exc)}"])
    if root is None or not check.mapping(root, "the file"):
        if root is None:
            check.errors.append(f"{name}:1: the file is empty")
        return FrameworkCheck(name, check.errors)
    check.scalar(root, "slug", "the framework")

    groups = check.get(root, "groups")
    if groups is None:
        check.error(root, "missing 'groups' (foundation, intermediate, advanced, specialised)")
    elif check.mapping(groups, "groups"):
        present = {k.value for k, _v in groups.value}
        for name in LEVEL_GROUPS:
            if name not in present:
                check.error(groups, f"groups: missing {name!r}")
        for key_node, value_node in groups.value:
            if key_node.value not in LEVEL_GROUPS:
                check.error(key_node, f"groups: unknown group {key_node.value!r} "
                            f"(expected {', '.join(LEVEL_GROUPS)})")
            elif check.mapping(value_node, f"group {key_node.value!r}"):
                check.names(value_node, f"group {key_node.value!r}")

    levels = check.get(root, "levels")
    if levels is None:
        check.error(root, "missing 'levels' (1 to 8)")
    elif check.sequence(levels, "levels"):
        numbers: list[int] = []
        order: list[int] = []
        for node in levels.value:
            if not check.mapping(node, "a level"):
                continue
            raw = check.scalar(node, "level", "a level")
            if raw is not None:
                if not raw.isdigit() or not 1 <= int(raw) <= 8:
                    check.error(check.get(node, "level"), f"level {raw!r} must be a whole number from 1 to 8")
                elif int(raw) in numbers:
                    check.error(node, f"level {raw} appears twice")
                else:
                    numbers.append(int(raw))
            group = check.scalar(node, "group", f"level {raw}")
            if group is not None:
                if group not in LEVEL_GROUPS:
                    check.error(check.get(node, "group"), f"level {raw}: unknown group {group!r} "
                                f"(expected {', '.join(LEVEL_GROUPS)})")
                else:
                    order.append(LEVEL_GROUPS.index(group))
            check.names(node, f"level {raw}")
        if sorted(numbers) != list(range(1, 9)):
            missing = sorted(set(range(1, 9)) - set(numbers))
            check.error(levels, f"levels must be exactly 1 to 8 (missing {', '.join(map(str, missing))})")
        if order and (order != sorted(order) or set(order) != set(range(len(LEVEL_GROUPS)))):
            check.error(levels, "level groups must go foundation → intermediate → advanced → specialised, "
                        "each used at least once")

    areas = check.get(root, "areas")
    if areas is None:
        check.error(root, "missing 'areas'")
    elif check.sequence(areas, "areas"):
        seen: dict[str, int] = {}
        for area in areas.value:
            if not check.mapping(area, "an area"):
                continue
            area_code = check.scalar(area, "code", "an area")
            what = f"area {area_code}"
            if area_code is not None:
                key = f"area:{area_code}"
                if key in seen:
                    check.error(check.get(area, "code"), f"duplicate area code {area_code!r} "
                                f"(first on line {seen[key]})")
                else:
                    seen[key] = check.get(area, "code").start_mark.line + 1
            check.names(area, what)
            comps = check.get(area, "competences")
            if comps is None:
                check.error(area, f"{what}: missing 'competences'")
                continue
            if not check.sequence(comps, f"{what}: competences"):
                continue
            for comp in comps.value:
                if not check.mapping(comp, f"{what}: a competence"):
                    continue
                code = check.scalar(comp, "code", f"{what}: a competence")
                if code is not None:
                    code_node = check.get(comp, "code")
                    if len(code) > MAX_CODE_LENGTH:
                        check.error(code_node, f"competence code {code!r} is longer than "
                                    f"{MAX_CODE_LENGTH} characters")
                    if code in seen:
                        check.error(code_node, f"duplicate competence code {code!r} (first on line {seen[code]})")
                    else:
                        seen[code] = code_node.start_mark.line + 1
                check.names(comp, f"competence {code}")
    if check.errors:
        return FrameworkCheck(name, check.errors)
    try:
        framework = parse_framework(yaml.safe_load(text))
    except FrameworkError as exc:  # pragma: no cover - the checks above are stricter
        return FrameworkCheck(name, [f"{name}:1: {exc}"])
    return FrameworkCheck(name, [], framework)


def check_framework_file(path: str | Path) -> FrameworkCheck:
    """``check_framework_text`` on a file (errors start with the file's name)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return FrameworkCheck(str(path), [f"{path}:1: cannot read the file: {exc}"])
    return check_framework_text(text, str(path))


def codes_in_use() -> dict[str, set[str]]:
    """Every competence code used by loaded content and records, with where it is used
    ("courses", "lessons", "lesson checks", "questions", "evidence", "levels")."""
    from sqlalchemy import select

    from app.competency.models import CompetenceLevel, Evidence
    from app.contests.models import Question
    from app.core.extensions import db
    from app.learn.models import Course, Lesson, Step

    used: dict[str, set[str]] = {}

    def add(codes, where: str) -> None:
        for code in codes or ():
            used.setdefault(str(code), set()).add(where)

    for codes in db.session.scalars(select(Course.competences)):
        add(codes, "courses")
    for codes in db.session.scalars(select(Lesson.competences)):
        add(codes, "lessons")
    for check in db.session.scalars(select(Step.check).where(Step.check.is_not(None))):
        if isinstance(check, dict):
            add(check.get("competences"), "lesson checks")
    add(db.session.scalars(select(Question.competence_code).distinct()), "questions")
    add(db.session.scalars(select(Evidence.competence_code).distinct()), "evidence")
    add(db.session.scalars(select(CompetenceLevel.competence_code).distinct()), "levels")
    return used


def unknown_codes_in_use(framework: Framework) -> dict[str, list[str]]:
    """Codes in use (see ``codes_in_use``) that ``framework`` does not define → where they are used."""
    known = framework.codes()
    return {code: sorted(where) for code, where in sorted(codes_in_use().items()) if code not in known}


def install_framework(source: str | Path, target: str | Path) -> Path:
    """Copy a checked framework file to ``target`` (atomically) and forget the cached frameworks,
    so this process reads the new file the next time ``FRAMEWORK_FILE`` names it."""
    import os
    import tempfile

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    data = Path(source).read_bytes()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".framework-", suffix=".yml")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _load.cache_clear()
    return target
