"""URL converters every blueprint may use, registered on the app by ``app.core.init_app``.

``<int32:name>`` matches what an ``Integer`` column can hold (0 to 2**31 - 1, PostgreSQL's
``integer``): an id or a number beyond it is simply not found (404), instead of reaching the
database, where PostgreSQL refuses it ("integer out of range") and SQLite cannot bind an int over
64 bits; either was a 500. Werkzeug's ``<int:...>`` has no upper bound.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, request
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


# A path of this site: one "/" then no "/" or "\\" (browsers read "//host" and "/\\host" as another
# host), and no white space or control character anywhere (browsers drop tabs and line breaks
# from a URL, so "/\t/evil.example" becomes "//evil.example"; a line break cannot be a header).
_LOCAL_PATH = re.compile(r"/(?![/\\])[^\s\\\x00-\x1f\x7f]*")


def local_path(target: str | None) -> str | None:
    """``target`` if it is safe to redirect to as a path of this site, else ``None``."""
    if target and len(target) <= 2000 and _LOCAL_PATH.fullmatch(target):
        return target
    return None


def referrer_path() -> str | None:
    """The path and query of the request's ``Referer`` when it is a page of this site."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc != request.host:
        return None
    return local_path((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
