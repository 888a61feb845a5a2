"""What every domain shares in the database: the audit trail of staff changes and the outbox of
messages to people (campaigns, messages, people's message preferences)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
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


# --- the outbox of messages to people (app.core.messaging) ------------------------------------------

MESSAGE_CHANNELS = ("email", "sms", "zalo")
MESSAGE_STATUSES = ("queued", "sending", "sent", "failed", "unconfirmed")


class MessageCampaign(Model):
    """A batch of messages sent for one reason (a round opened, results published, training due
    for an assignment): what organizers follow, with the people it could not reach.

    ``locality_id`` is the area the campaign belongs to (a contest's eligibility, an assignment's
    locality): organizers of that area see it; NULL: administrators only.
    """

    __tablename__ = "message_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("localities.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # People left out: opted out of this kind of message, or no address on a configured channel.
    opted_out: Mapped[int] = mapped_column(Integer, default=0)
    unreachable: Mapped[int] = mapped_column(Integer, default=0)


class OutboxMessage(Model):
    """One message to one person on one channel, and its delivery (see ``app.core.messaging``).

    ``dedupe_key`` names the reason (kind, object, person): enqueuing the same reason again adds
    nothing. ``idempotency_key`` goes to the gateways with every try, so a retry after a crash is
    recognised by the provider instead of sent again. A sender claims a row by setting
    ``lease_owner``/``lease_until``; ``status`` is queued → sent, or failed after the last try;
    "sending" marks an e-mail handed over to the SMTP server whose answer is not recorded yet, and
    "unconfirmed" such an e-mail whose sender died before recording it (never sent again).
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint("channel IN ('email', 'sms', 'zalo')", name="channel_valid"),
        CheckConstraint(
            "status IN ('queued', 'sending', 'sent', 'failed', 'unconfirmed')", name="status_valid"
        ),
        Index("ix_outbox_messages_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("message_campaigns.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_id: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MessagePreference(Model):
    """A person's choices about messages: the kinds they opted out of and a preferred channel."""

    __tablename__ = "message_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    channel: Mapped[str | None] = mapped_column(String(10))
    opted_out: Mapped[list] = mapped_column(JSON, default=list)
