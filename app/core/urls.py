"""URL converters every blueprint may use, registered on the app by ``app.core.init_app``.

``<int32:name>`` matches what an ``Integer`` column can hold (0 to 2**31 - 1, PostgreSQL's
``integer``): an id or a number beyond it is simply not found (404), instead of reaching the
database, where PostgreSQL refuses it ("integer out of range") and SQLite cannot bind an int over
64 bits; either was a 500. Werkzeug's ``<int:...>`` has no upper bound.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

MAX_INT32 = 2**31 - 1


class Int32Converter(IntegerConverter):
    """``<int32:name>``: a whole number from 0 to ``MAX_INT32``."""

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, max=MAX_INT32)


def init_app(app: Flask) -> None:
    app.url_map.converters["int32"] = Int32Converter


def int32_or_none(raw: object) -> int | None:
    """``raw`` as a whole number from 0 to ``MAX_INT32`` if it is written in ASCII digits, else
    ``None``. For numbers typed into forms and query strings: ``str.isdigit`` accepts "²" and
    "٣", which ``int()`` refuses or reads, and ``int()`` refuses over 4,300 digits (a 500 either
    way); a number beyond an ``Integer`` column's range would be refused by the database."""
    if not isinstance(raw, str):
        return None
    raw = raw.strip()
    if not raw or len(raw) > 10 or not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    return value if value <= MAX_INT32 else None
