"""Audit trail of changes made by staff."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import Model
from app.core.types import UTCDateTime, utcnow


class AuditEvent(Model):
    """Who did what to which object, and when."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(80))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(40), index=True)
    # Where the change belongs, as a path that filters by prefix: "/contest/5/round/12/",
    # "/bank/3/" (set by the domain that records it; NULL for changes outside any such context).
    context_path: Mapped[str | None] = mapped_column(String(120), index=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
