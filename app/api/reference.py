"""The API's reference page (``/api/v1/docs``): the OpenAPI document turned into sections,
operations and tables that a template shows without JavaScript or assets from elsewhere."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

_CODE = re.compile(r"`([^`]+)`")


def prose(text: str | None) -> Markup:
    """Descriptions as HTML: paragraphs at blank lines, `backticks` as code, everything escaped."""
    paragraphs = [p.strip() for p in (text or "").split("\n\n") if p.strip()]
    return Markup("").join(
        Markup("<p>{}</p>").format(inline(p)) for p in paragraphs
    )


def inline(text: str | None) -> Markup:
    """A one-line text as HTML, `backticks` as code, everything escaped."""
    return Markup(_CODE.sub(r"<code>\1</code>", str(escape(text or ""))))


@dataclass
class Row:
    """A parameter or a property: its name, where it goes, its type, whether it is required."""

    name: str
    type: Markup
    required: bool
    description: Markup
    where: str = ""


@dataclass
class Answer:
    status: str
    description: Markup
    body: Markup
    headers: list[Row]


@dataclass
class Endpoint:
    anchor: str
    method: str
    path: str
    summary: Markup
    description: Markup
    auth: str  # "bearer", "optional" or ""
    parameters: list[Row]
    body: Markup
    answers: list[Answer]


@dataclass
class Section:
    tag: str
    description: Markup = Markup("")
    endpoints: list[Endpoint] = field(default_factory=list)


@dataclass
class Schema:
    name: str
    description: Markup
    rows: list[Row]


def reference(document: dict[str, Any]) -> dict[str, Any]:
    """What the reference page shows of ``document``: its sections (one per tag) of endpoints, and
    its schemas with their properties."""
    sections = {tag["name"]: Section(tag["name"], prose(tag.get("description")))
                for tag in document.get("tags", [])}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            tag = (operation.get("tags") or [""])[0]
            sections.setdefault(tag, Section(tag)).endpoints.append(_endpoint(path, method, operation))
    schemas = [
        Schema(name, prose(schema.get("description")), _rows(schema))
        for name, schema in sorted(document["components"]["schemas"].items())
    ]
    return {"title": document["info"]["title"], "server": document["servers"][0]["url"],
            "sections": list(sections.values()), "schemas": schemas}


def _endpoint(path: str, method: str, operation: dict) -> Endpoint:
    security = operation.get("security") or []
    auth = "optional" if {} in security else "bearer" if security else ""
    parameters = [
        Row(p["name"], type_of(p["schema"]), p.get("required", False), prose(p.get("description")), p["in"])
        for p in operation.get("parameters", [])
    ]
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    answers = []
    for status, response in operation["responses"].items():
        content = response.get("content", {}).get("application/json", {})
        headers = [Row(name, type_of(header["schema"]), header.get("required", False),
                       prose(header.get("description")))
                   for name, header in response.get("headers", {}).items()]
        answers.append(Answer(status, prose(response["description"]),
                              type_of(content["schema"]) if content else Markup(""), headers))
    return Endpoint(operation["operationId"], method.upper(), path, inline(operation["summary"]),
                    prose(operation.get("description")), auth, parameters,
                    type_of(body["schema"]) if body else Markup(""), answers)


def _rows(schema: dict) -> list[Row]:
    required = set(schema.get("required", ()))
    return [Row(name, type_of(prop), name in required, prose(prop.get("description")))
            for name, prop in schema.get("properties", {}).items()]


def type_of(schema: dict) -> Markup:
    """A JSON Schema in a developer's short notation, the same in every language:
    ``QuestionOut[]``, ``{string: integer[]}``, ``string | null``, ``integer, 1–200``."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return Markup('<a href="#schema-{0}"><code>{0}</code></a>').format(name)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return Markup(" | ").join(type_of(option) for option in schema[key])
    if "const" in schema:
        return Markup("<code>{}</code>").format(_json(schema["const"]))
    if "enum" in schema:
        return Markup(" | ").join(Markup("<code>{}</code>").format(_json(v)) for v in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return type_of(schema.get("items", {})) + Markup("<code>[]</code>")
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return Markup("<code>{{string: </code>{}<code>}}</code>").format(type_of(schema["additionalProperties"]))
    out = Markup("<code>{}</code>").format(kind)
    if "format" in schema:
        out += Markup(" ({})").format(schema["format"])
    bounds = _bounds(schema)
    return out + Markup(", {}").format(bounds) if bounds else out


def _bounds(schema: dict) -> str:
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        return f"{low}–{high}"
    if low is not None:
        return f"≥ {low}"
    if high is not None:
        return f"≤ {high}"
    return ""


def _json(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
