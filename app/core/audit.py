"""Recording staff actions."""
from __future__ import annotations

from typing import Any

from app.core.extensions import db
from app.core.models import AuditEvent


def record(actor, action: str, obj_type: str, obj_id: Any = None, **details: Any) -> AuditEvent:
    """Add an audit event to the session (committed with the change it describes)."""
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=obj_type,
        object_id=None if obj_id is None else str(obj_id),
        details=details,
    )
    db.session.add(event)
    return event
