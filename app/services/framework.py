"""The digital competence framework (areas, competences, levels), read from a YAML data file.

The file named by ``FRAMEWORK_FILE`` (default app/data/framework.yml) is parsed once per process;
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
            Path(__file__).resolve().parent.parent / "data" / "framework.yml"
    return _load(str(path))


def known_codes() -> frozenset[str]:
    """Every competence code of the framework in use (for validating content on load)."""
    return get_framework().codes()
