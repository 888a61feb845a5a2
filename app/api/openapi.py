"""The API's OpenAPI 3.1 document, generated from the code (``/api/v1/openapi.json``).

Every view of the API blueprint says what it takes and what it answers with ``@documented``:
pydantic models for its query string, its JSON body and each response, its tag, whether it needs
a bearer token and whether it is rate-limited. The decorator only records that on the view and
returns the view itself, so describing an endpoint costs nothing per request (the submit endpoint
is the product's hottest path). ``openapi_document`` walks the app's URL map and builds the
document: paths and path parameters from the routes, summaries from the views' docstrings, schemas
from the models (pydantic writes JSON Schema 2020-12, OpenAPI 3.1's own dialect), the bearer
security scheme, and the responses every endpoint shares (``400`` for input refused before any view
runs, ``401`` with ``WWW-Authenticate: Bearer``, ``429`` with ``Retry-After``).

A view validates its input with the same models (``parse_body``) unless it is one of the hot
contest endpoints, which keep a hand-written check of the same shape; ``tests/api/test_schemathesis.py``
holds every endpoint to its description on both databases.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from flask import Flask, abort, request
from pydantic import BaseModel, Field, ValidationError
from pydantic.json_schema import JsonSchemaMode, JsonSchemaValue, models_json_schema
from werkzeug.routing import BaseConverter, IntegerConverter, Rule, parse_converter_args
from werkzeug.routing.converters import NumberConverter

from app.core.errors import api_error

PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"
View = TypeVar("View", bound=Callable[..., Any])
Auth = Literal["bearer", "optional"]


class ErrorDetail(BaseModel):
    """What went wrong: the HTTP status again and a message for a person; some errors add a
    ``code`` naming the rule that refused the request."""

    status: int = Field(description="The HTTP status code of the response.")
    message: str = Field(description="What went wrong, for a person to read.")
    code: str | None = Field(None, description="Which rule refused the request, on errors that name one.")


class Error(BaseModel):
    """An error: every 4xx and 5xx of the API has this body."""

    error: ErrorDetail


@dataclass(frozen=True)
class Reply:
    """One documented response of an operation: its description, the model of its JSON body
    (None for an empty body) and the names of the headers it carries (see ``HEADERS``)."""

    description: str
    model: type[BaseModel] | None = Error
    headers: tuple[str, ...] = ()


HEADERS: dict[str, dict[str, Any]] = {
    "WWW-Authenticate": {
        "description": "The authentication scheme the API expects: `Bearer`.",
        "required": True,
        "schema": {"type": "string", "pattern": "^Bearer"},
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again (when the rate limit's window resets).",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    },
}

# The document's sections in reading order; an endpoint's tag may be new (it then comes last).
TAGS = {
    "accounts": "Bearer tokens: an app logs a person in and out.",
    "contests": "Published contests and their rounds.",
    "attempts": "Taking a round: start an attempt, autosave, submit. A bearer token is required.",
    "boards": "A round's public boards: the ranking, and participation by locality.",
    "localities": "The administrative tree (province, commune, village, …) as it is today.",
    "indicators": "A unit's figures for the province's own systems: every indicator of the registry "
                  "(`docs/indicators.md`) with its numerator, denominator and value, on a date.",
    "health": "The server's state and clock.",
}

UNAUTHORIZED = Reply(
    "No valid bearer token (missing, unknown, revoked or expired): log in again with `POST /auth/token`.",
    headers=("WWW-Authenticate",),
)
TOO_MANY = Reply("Too many requests: wait the number of seconds in `Retry-After`.", headers=("Retry-After",))
BAD_INPUT = Reply("The request could not be understood (for example a NUL character in a parameter).")


# How ``@documented`` takes a response: a ``Reply``; a model (a success, described by the model's
# docstring); a (model, description) pair; or a description alone (an error with the ``Error`` body).
ReplySpec = Reply | type[BaseModel] | tuple[type[BaseModel], str] | str


@dataclass(frozen=True)
class Operation:
    """What ``@documented`` records on a view."""

    tag: str
    responses: Mapping[int, Reply]
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    auth: Auth | None = None
    limited: bool = False
    operation_id: str | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)


def documented(
    *,
    tag: str,
    responses: Mapping[int, ReplySpec],
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    auth: Auth | None = None,
    limited: bool = False,
    operation_id: str | None = None,
    parameters: Mapping[str, str] | None = None,
) -> Callable[[View], View]:
    """Describe an API view for the OpenAPI document; the view is returned unchanged.

    ``responses`` maps each status code to a ``Reply``, or for short to a model (a success,
    described by the model's docstring), a (model, description) pair, or a description (an error
    with the ``Error`` body).
    ``query`` and ``body`` are models of the query string and the JSON body; ``auth`` is
    ``"bearer"`` (a token is required: ``401`` is added) or ``"optional"`` (a token adds to the
    answer); ``limited`` adds ``429``; ``parameters`` describes path parameters by name. The
    summary and description are the view's docstring.
    """
    replies = {status: _reply(value) for status, value in responses.items()}
    operation = Operation(tag, replies, query, body, auth, limited, operation_id, dict(parameters or {}))

    def attach(view: View) -> View:
        view.openapi = operation  # type: ignore[attr-defined]
        return view

    return attach


def _reply(value: ReplySpec) -> Reply:
    if isinstance(value, Reply):
        return value
    if isinstance(value, str):
        return Reply(value)
    if isinstance(value, tuple):
        return Reply(value[1], value[0])
    return Reply(_first_line(value.__doc__) or value.__name__, value)


def _first_line(text: str | None) -> str:
    return inspect.cleandoc(text).split("\n\n")[0].replace("\n", " ") if text else ""


def operation_of(view: Callable) -> Operation | None:
    """The ``Operation`` recorded on ``view`` (or on a function it wraps), if any."""
    current: Callable | None = view
    while current is not None:
        found = getattr(current, "openapi", None)
        if isinstance(found, Operation):
            return found
        current = getattr(current, "__wrapped__", None)
    return None


def parse_body(model: type[BaseModel]) -> Any:
    """The request's JSON body validated by ``model``; a ``400`` JSON error (raised) names the
    first field that is wrong. For endpoints off the hot path."""
    data = request.get_json(silent=True)
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        abort(api_error(400, f"{where}: {first['msg']}"))


# --- the document -------------------------------------------------------------------------------

API_ENDPOINTS = "api."
ModelKey = tuple[type[BaseModel], JsonSchemaMode]
Refs = Mapping[Any, JsonSchemaValue]  # a model and its mode -> {"$ref": ...}
NOT_DESCRIBED = {"api.openapi_json", "api.docs"}  # the document and its page
_VARIABLE = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")


def api_rules(app: Flask) -> list[Rule]:
    """The rules of the API blueprint that the document describes."""
    return [rule for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith(API_ENDPOINTS) and rule.endpoint not in NOT_DESCRIBED]


def undocumented(app: Flask) -> list[str]:
    """API endpoints without ``@documented`` (a test keeps this empty)."""
    return sorted({rule.endpoint for rule in api_rules(app)
                   if operation_of(app.view_functions[rule.endpoint]) is None})


def openapi_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the API, built once per process from the URL map."""
    cached = app.extensions.get("openapi_document")
    if cached is None:
        cached = app.extensions["openapi_document"] = _build(app)
    return cached


def _build(app: Flask) -> dict[str, Any]:
    found = []  # (rule, method, view, operation)
    for rule in sorted(api_rules(app), key=lambda r: r.rule):
        view = app.view_functions[rule.endpoint]
        operation = operation_of(view)
        if operation is None:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule, method, view, operation))
    models: dict[ModelKey, None] = {}
    for _rule, _method, _view, operation in found:
        if operation.body is not None:
            models[(operation.body, "validation")] = None
        for reply in (*operation.responses.values(), UNAUTHORIZED, TOO_MANY, BAD_INPUT):
            if reply.model is not None:
                models[(reply.model, "serialization")] = None
    refs, definitions = models_json_schema(list(models), ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for rule, method, view, operation in found:
        path, parameters = _path(rule, operation)
        paths.setdefault(path, {})[method.lower()] = _operation(
            rule, view, operation, parameters, refs)
    used = {operation.tag for *_rest, operation in found}
    tags = [{"name": tag, "description": TAGS[tag]} for tag in TAGS if tag in used]
    tags += [{"name": tag} for tag in sorted(used - set(TAGS))]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Công Dân Số API",
            "version": "1",
            "description": (
                "The JSON API of Công Dân Số for quiz clients and a province's own systems. "
                "Requests and responses are JSON (UTF-8); times are ISO 8601 in UTC (show them in "
                "Asia/Ho_Chi_Minh). Errors have the body `{\"error\": {\"status\", \"message\"}}`. "
                "The guide is docs/api.md in the source."
            ),
        },
        "servers": [{"url": PREFIX}],
        "tags": tags,
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from `POST /auth/token`, sent as `Authorization: Bearer <token>`.",
                }
            },
        },
    }


def _operation(rule: Rule, view: Callable, operation: Operation, parameters: list[dict],
               refs: Refs) -> dict[str, Any]:
    doc = inspect.cleandoc(inspect.getdoc(view) or "")
    summary, _sep, description = doc.partition("\n\n")
    out: dict[str, Any] = {
        "tags": [operation.tag],
        "summary": summary.replace("\n", " ").rstrip(".") or rule.endpoint,
        "operationId": operation.operation_id or rule.endpoint.removeprefix(API_ENDPOINTS),
    }
    if description:
        out["description"] = description
    if operation.query is not None:
        parameters = parameters + _query_parameters(operation.query)
    if parameters:
        out["parameters"] = parameters
    if operation.body is not None:
        out["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(operation.body, "validation")]}},
        }
    if operation.auth == "bearer":
        out["security"] = [{"bearer": []}]
    elif operation.auth == "optional":
        out["security"] = [{}, {"bearer": []}]
    else:
        out["security"] = []
    out["responses"] = _responses(operation, bool(parameters) or operation.body is not None, refs)
    return out


def _responses(operation: Operation, takes_input: bool, refs: Refs) -> dict[str, Any]:
    replies = dict(operation.responses)
    if takes_input:
        replies.setdefault(400, BAD_INPUT)
    if operation.auth == "bearer":
        replies.setdefault(401, UNAUTHORIZED)
    if operation.limited:
        replies.setdefault(429, TOO_MANY)
    out: dict[str, Any] = {}
    for status in sorted(replies):
        reply = replies[status]
        entry: dict[str, Any] = {"description": reply.description}
        if reply.headers:
            entry["headers"] = {name: HEADERS[name] for name in reply.headers}
        if reply.model is not None:
            entry["content"] = {"application/json": {"schema": refs[(reply.model, "serialization")]}}
        out[str(status)] = entry
    return out


def _path(rule: Rule, operation: Operation) -> tuple[str, list[dict]]:
    """The rule as an OpenAPI path (relative to ``PREFIX``) and its path parameters."""
    parameters = []

    def variable(match: re.Match) -> str:
        name = match["name"]
        converter = rule.map.converters[match["converter"] or "default"]
        args, kwargs = parse_converter_args(match["args"]) if match["args"] else ((), {})
        parameter = {"name": name, "in": "path", "required": True,
                     "schema": _converter_schema(converter(rule.map, *args, **kwargs))}
        if name in operation.parameters:
            parameter["description"] = operation.parameters[name]
        parameters.append(parameter)
        return "{" + name + "}"

    return _VARIABLE.sub(variable, rule.rule.removeprefix(PREFIX)), parameters


def _converter_schema(converter: BaseConverter) -> dict[str, Any]:
    """The JSON Schema of what a werkzeug URL converter matches."""
    if isinstance(converter, NumberConverter):
        schema: dict[str, Any] = {"type": "integer" if isinstance(converter, IntegerConverter) else "number"}
        lowest = converter.min if converter.min is not None else (None if converter.signed else 0)
        if lowest is not None:
            schema["minimum"] = lowest
        if converter.max is not None:
            schema["maximum"] = converter.max
        return schema
    return {"type": "string", "pattern": f"^(?:{converter.regex})$"}


def _query_parameters(model: type[BaseModel]) -> list[dict]:
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", ()))
    out = []
    for name, prop in schema.get("properties", {}).items():
        prop = _without_null(dict(prop))
        description = prop.pop("description", None)
        prop.pop("title", None)
        parameter = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            parameter["description"] = description
        out.append(parameter)
    return out


def _without_null(schema: dict) -> dict:
    """A query parameter is absent or a value, never null: drop ``null`` and a ``None`` default."""
    options = schema.get("anyOf")
    if options:
        kept = [option for option in options if option.get("type") != "null"]
        if len(kept) == 1:
            schema.pop("anyOf")
            schema.update(kept[0])
    if schema.get("default", 0) is None:
        schema.pop("default")
    return schema
