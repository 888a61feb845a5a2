"""What the app accepts from a request, before any view reads it.

- Control characters (C0 but tab, line feed and carriage return; DEL; C1) have no place in any
  text a person types: a name with ESC broke every export that held it, NUL cannot be stored by
  PostgreSQL. ``refuse_control_characters`` (run before every request) answers 400, in the
  person's language, when the URL's path or query or a submitted form holds one; ``Request``
  does the same for a JSON body, whose strings are only read when a view asks for them. Imports
  check their cells in ``app.core.tabular``; exports drop such characters anyway.
- A JSON body nested too deeply for the parser (``RecursionError``) is a bad body, not a 500.
"""
from __future__ import annotations

import re
from typing import Any

from flask import Request as FlaskRequest
from flask import request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

# The same set as ``app.core.exports.CONTROL_CHARACTERS``.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control_characters(value: str) -> bool:
    """Whether ``value`` holds a control character other than tab, line feed and carriage return."""
    return CONTROL_CHARACTERS.search(value) is not None


def json_has_control_characters(data: Any) -> bool:
    """Whether any string (key or value) of a parsed JSON document holds a control character."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if CONTROL_CHARACTERS.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class Request(FlaskRequest):
    """Flask's request, whose JSON body fails like any bad body (400, or ``None`` when silent)
    when it is nested too deeply to parse or holds a control character in a string."""

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        try:
            data = super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            data, problem = None, "The JSON body is nested too deeply."
        else:
            if data is None or not json_has_control_characters(data):
                return data
            problem = "The JSON body holds a control character."
        if silent:
            return None
        raise BadRequest(problem)


def control_character_message() -> str:
    return _("The text you sent holds an invisible control character. Remove it (retype the text) "
             "and try again.")


def find_control_characters() -> bool:
    """Whether the current request's path, query or form holds a control character. Only a
    form's body is read here (a JSON body is checked by ``Request.get_json`` when parsed)."""
    # One context lookup: each attribute read through the ``request`` proxy costs ~9,000
    # instructions (callgrind), and this runs on every request.
    req = request._get_current_object()  # type: ignore[attr-defined]  # (LocalProxy API)
    search = CONTROL_CHARACTERS.search
    if search(req.path):
        return True
    sources = [req.args]
    if req.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sources.append(req.form)
    for source in sources:
        for key, values in source.lists():
            if search(key) or any(search(v) for v in values):
                return True
    return False
