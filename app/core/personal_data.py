"""What the product holds about a person, for their rights under Decree 13/2023/NĐ-CP on personal
data protection: a download of all of it, and its erasure.

``collect(person)`` reads, without knowing the domains, the person's own row and every row of every
table with a column pointing to ``users.id`` equal to their id (profile, roles, progress and
assisted sessions, evidence and levels, contest entries, attempts and results, certificates,
messages sent to them, what they did as staff...), leaving out the columns that hold secrets
(password hashes, token digests). A new table pointing to the person is included by itself.

``record_access(action, what)`` records who opened or exported which personal data, and when
(views and exports by organizers, managers and admins: every ``exports.export_response``, the
documents naming people, the lists of people).

Erasure is the accounts domain's ``delete_account``; each domain adds what it must do to the
person's rows there with ``register_eraser`` (contest entries anonymised, certificates revoked...).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask, current_app, request
from flask_login import current_user
from sqlalchemy import Table, or_, select

from app.core import audit
from app.core.extensions import db

SECRET_COLUMNS = re.compile(r"password|hash|digest|secret")
USERS_TABLE = "users"


def _value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return None
    return value


def _person_columns(table: Table) -> list:
    return [column for column in table.columns
            if any(fk.column.table.name == USERS_TABLE for fk in column.foreign_keys)
            or (column.name == "user_id" and table.name != USERS_TABLE)]


def collect(person: Any) -> dict[str, Any]:
    """Everything stored about ``person``: ``{"account": {...}, "<table>": [{...}, ...]}``."""
    out: dict[str, Any] = {}
    for table in db.metadata.sorted_tables:
        shown = [c for c in table.columns if not SECRET_COLUMNS.search(c.name)]
        if table.name == USERS_TABLE:
            row = db.session.execute(select(*shown).where(table.c.id == person.id)).mappings().first()
            out["account"] = {k: _value(v) for k, v in (row or {}).items()}
            continue
        columns = _person_columns(table)
        if not columns:
            continue
        rows = db.session.execute(
            select(*shown).where(or_(*(c == person.id for c in columns)))
        ).mappings().all()
        if rows:
            out[table.name] = [{k: _value(v) for k, v in row.items()} for row in rows]
    return out


def register_eraser(app: Flask, eraser: Callable[[Any], None]) -> None:
    """``eraser(person)`` erases or anonymises the domain's rows about ``person`` when they delete
    their account (in the transaction of the deletion; keep rankings and tallies unchanged)."""
    app.extensions.setdefault("personal_data_erasers", []).append(eraser)


def run_erasers(person: Any) -> None:
    for eraser in current_app.extensions.get("personal_data_erasers", []):
        eraser(person)


VIEWED, EXPORTED = "personal_data.view", "personal_data.export"


def record_access(action: str, what: str, **details: Any) -> None:
    """Record in the audit that the current (staff) person viewed or exported personal data:
    who, what (``what``: the page or table's title, in the UI's language) and when, with the path
    asked for. Committed at once (a GET view writes nothing else)."""
    if not getattr(current_user, "is_authenticated", False):
        return
    audit.record(current_user, action, "personal_data", None, what=str(what), path=request.full_path[:500],
                 **details)
    db.session.commit()
