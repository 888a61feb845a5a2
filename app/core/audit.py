"""Recording staff actions, and reading them back in words.

``record`` adds an event in the transaction of the change it describes. Each domain registers
how its actions read (``register_action``: a sentence in the UI's language, labels of the fields
it changes and how a value reads), so that an audit page shows "Nguyễn Văn An (Organizer) changed
a running round: Prizes: Giải Nhất: 1 → Giải Nhất: 1, Giải Nhì: 2" instead of
``round.change_running — #2: prizes: [{'label': ...}]``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from app.core.extensions import db
from app.core.models import AuditEvent

ValueWords = Callable[[str, Any], str]


def record(actor: Any, action: str, obj_type: str, obj_id: Any = None, *, context: str | None = None,
           **details: Any) -> AuditEvent:
    """Add an audit event to the session (committed with the change it describes).

    ``context`` places it for filtering (``"/contest/5/round/12/"``); ``details["changes"]``, when
    given, maps each changed field to ``[before, after]``.
    """
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=obj_type,
        object_id=None if obj_id is None else str(obj_id),
        context_path=context,
        details=details,
    )
    db.session.add(event)
    return event


@dataclass
class ActionWords:
    """How one kind of action reads: its sentence, its fields' labels and how a value reads."""

    label: Any  # a lazy translated string
    fields: dict[str, Any] = field(default_factory=dict)
    value_words: ValueWords | None = None
    summary: Callable[[dict], str] | None = None


ACTIONS: dict[str, ActionWords] = {}


def register_action(action: str, label: Any, fields: dict[str, Any] | None = None,
                    value_words: ValueWords | None = None, summary: Callable[[dict], str] | None = None) -> None:
    """Say how ``action`` reads (domains call this from their ``init_app``)."""
    ACTIONS[action] = ActionWords(label, fields or {}, value_words, summary)


@dataclass
class Change:
    field: str
    before: str
    after: str


@dataclass
class EventWords:
    """An audit event as people read it."""

    event: AuditEvent
    what: str
    summary: str
    changes: list[Change]


def words(value: Any) -> str:
    """A plain value in words: lists joined, yes/no, nothing as a dash."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(words(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {words(v)}" for k, v in value.items())
    if isinstance(value, datetime):
        from app.core.exports import time_text

        return time_text(value)
    return str(value)


def describe(event: AuditEvent) -> EventWords:
    """``event`` in the UI's language: what happened, a short summary and each change in words."""
    info = ACTIONS.get(event.action)
    details = dict(event.details or {})
    changes_raw = details.pop("changes", None) or {}
    what = str(info.label) if info else event.action
    value_words = (info.value_words if info else None) or (lambda _field, value: words(value))
    changes = []
    for name, pair in changes_raw.items():
        before, after = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        label = str(info.fields.get(name, name)) if info else name
        changes.append(Change(label, value_words(name, before), value_words(name, after)))
    if info and info.summary:
        summary = info.summary(details)
    else:
        summary = "; ".join(
            f"{(str(info.fields.get(k, k)) if info else k)}: {value_words(k, v)}" for k, v in details.items()
        )
    return EventWords(event, what, summary, changes)


def prune(before: datetime) -> int:
    """Delete audit events older than ``before`` (the retention period the privacy notice states,
    ``AUDIT_RETENTION_DAYS``); returns how many were deleted (caller commits)."""
    from sqlalchemy import delete

    result = db.session.execute(delete(AuditEvent).where(AuditEvent.at < before)
                                .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
