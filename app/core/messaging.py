"""The outbox: every message the product sends to people goes through here.

Domains enqueue with ``enqueue`` (one reason, many people, e.g. a round opened) and declare their
kinds of message with ``register_kind`` and what becomes due with time (a round opening, training
due) with ``add_collector``. ``flask notify send`` runs the collectors, then ``deliver_due``.

Rules:

- **Once per reason**: each message has a ``dedupe_key`` (kind, reason, person), unique in the
  database; enqueuing the same reason again adds nothing.
- **Channel**: the person's preferred channel when it is configured and they have an address for
  it, else e-mail, SMS, then Zalo, the first configured one they have an address for. Nobody
  reachable, or opted out of the kind: no message, counted on the campaign. Security messages
  (password resets) cannot be opted out of.
- **Never twice**: a sender claims due rows by setting a lease (``UPDATE ... WHERE id IN (SELECT
  ... FOR UPDATE SKIP LOCKED)``, committed) and records each outcome in its own commit. A sender
  killed mid-batch leaves its rows leased; after the lease (``MESSAGE_LEASE_SECONDS``) another run
  takes them again. The gateways receive the same ``Idempotency-Key`` on every try, so a message
  they accepted before the crash is not sent again. SMTP has no such key: the row is marked
  "sending" just before the final dot of DATA, and a "sending" row whose lease ran out is marked
  "unconfirmed" and never sent again (the server may have it). Before that point a retry is safe.
- **Retries**: a refused or failed try is retried after ``MESSAGE_RETRY_SECONDS`` × 2^(tries − 1)
  (or the provider's ``Retry-After``), at most ``MESSAGE_MAX_ATTEMPTS`` tries; a permanent refusal
  fails at once.
- **Rate limits** per channel (``MESSAGE_RATE_LIMITS``, moving windows shared through Redis when
  configured): a sender waits when the window frees within a few seconds, else leaves the channel's
  messages for the next run.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from flask_babel import force_locale
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.core import channels
from app.core.dialect import dialect_insert
from app.core.extensions import db
from app.core.models import MessageCampaign, MessagePreference, OutboxMessage
from app.core.types import utcnow

log = logging.getLogger("congdanso.messages")
M = OutboxMessage
INSERT_BATCH = 1000


# --- kinds of message and collectors (declared by the domains) ------------------------------------


@dataclass(frozen=True)
class MessageKind:
    name: str
    label: Any  # a lazy string: what the person sees on their profile page
    security: bool = False  # security messages cannot be opted out of


def register_kind(app: Flask, name: str, label: Any, security: bool = False) -> None:
    """Declare a kind of message (its label shows among the person's opt-outs unless security)."""
    app.extensions.setdefault("message_kinds", {})[name] = MessageKind(name, label, security)


def message_kinds() -> list[MessageKind]:
    """Every declared kind, in declaration order."""
    return list(current_app.extensions.get("message_kinds", {}).values())


def optional_kinds() -> list[MessageKind]:
    """The kinds a person may opt out of."""
    return [k for k in message_kinds() if not k.security]


def add_collector(app: Flask, collector: Callable[[datetime], int]) -> None:
    """A function ``collector(now)`` that enqueues what became due (idempotent; returns how many)."""
    app.extensions.setdefault("message_collectors", []).append(collector)


def collect_due(now: datetime | None = None) -> int:
    """Run every domain's collector, committing after each; returns the messages enqueued."""
    now = now or utcnow()
    total = 0
    for collector in current_app.extensions.get("message_collectors", []):
        total += collector(now)
        db.session.commit()
    return total


# --- preferences ------------------------------------------------------------------------------------


def preferences(user_id: int) -> MessagePreference:
    """The person's message preferences (a new, unsaved row when they never chose)."""
    found = db.session.get(MessagePreference, user_id)
    return found or MessagePreference(user_id=user_id, channel=None, opted_out=[])


def save_preferences(user_id: int, opted_out: Iterable[str], channel: str | None) -> MessagePreference:
    """Record the kinds the person opted out of (security kinds are ignored) and their preferred
    channel (caller commits)."""
    allowed = {k.name for k in optional_kinds()}
    pref = db.session.get(MessagePreference, user_id)
    if pref is None:
        pref = MessagePreference(user_id=user_id)
        db.session.add(pref)
    pref.opted_out = sorted(set(opted_out) & allowed)
    pref.channel = channel if channel in channels.CHANNELS else None
    return pref


# --- enqueueing -------------------------------------------------------------------------------------


@dataclass
class Content:
    """What one person receives: subject (e-mail), body, and the template parameters (SMS/Zalo)."""

    subject: str
    body: str
    params: dict = field(default_factory=dict)


@dataclass
class EnqueueReport:
    queued: int = 0
    opted_out: int = 0
    unreachable: int = 0


def campaign(key: str, kind: str, title: str, locality_id: int | None) -> MessageCampaign:
    """The campaign named ``key``, created once (caller commits)."""
    found = db.session.scalar(select(MessageCampaign).where(MessageCampaign.key == key))
    if found is not None:
        return found
    created = MessageCampaign(key=key[:120], kind=kind, title=title[:300], locality_id=locality_id)
    try:
        with db.session.begin_nested():
            db.session.add(created)
    except IntegrityError:  # created meanwhile by another run
        return db.session.scalars(select(MessageCampaign).where(MessageCampaign.key == key)).one()
    return created


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute link for a message, built from ``PUBLIC_BASE_URL`` (commands have no request to
    take the host from)."""
    base = urlsplit(current_app.config.get("PUBLIC_BASE_URL") or "http://localhost")
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


def campaign_exists(key: str) -> bool:
    return db.session.scalar(select(MessageCampaign.id).where(MessageCampaign.key == key)) is not None


def choose_channel(person: Any, preferred: str | None) -> tuple[str, str] | None:
    """(channel, address) for ``person`` (the rule in the module docstring), or None."""
    addresses = {"email": person.email, "sms": person.phone, "zalo": person.phone}
    order = [preferred] if preferred in addresses else []
    order += [c for c in channels.CHANNELS if c not in order]
    for channel in order:
        if addresses[channel] and channels.configured(channel):
            return channel, addresses[channel]
    return None


def enqueue(
    kind: str,
    people: Iterable[Any],
    render: Callable[[Any], Content],
    reason: str,
    campaign_row: MessageCampaign | None = None,
) -> EnqueueReport:
    """Queue one message of ``kind`` to each person (objects with ``id``, ``email``, ``phone``,
    ``locale``), rendered by ``render(person)`` in the person's language. ``reason`` names the
    occasion (e.g. ``round:12``): a person gets one message per kind and reason, however often this
    runs. Caller commits."""
    spec = next((k for k in message_kinds() if k.name == kind), None)
    if spec is None:
        raise ValueError(f"unknown kind of message: {kind}")
    people = list(people)
    prefs = _preferences_of([p.id for p in people])
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    report, rows = EnqueueReport(), []
    for person in people:
        pref = prefs.get(person.id)
        if not spec.security and pref is not None and kind in (pref.opted_out or []):
            report.opted_out += 1
            continue
        route = choose_channel(person, pref.channel if pref else None)
        if route is None:
            report.unreachable += 1
            continue
        with force_locale(person.locale or default):
            content = render(person)
        rows.append({
            "campaign_id": campaign_row.id if campaign_row else None, "user_id": person.id, "kind": kind,
            "channel": route[0], "address": route[1], "subject": content.subject[:300], "body": content.body,
            "params": content.params, "dedupe_key": f"{kind}:{reason}:{person.id}"[:200],
            "idempotency_key": uuid.uuid4().hex, "status": "queued", "attempts": 0,
            "next_attempt_at": utcnow(), "created_at": utcnow(),
        })
    report.queued = _insert_new(rows)
    if campaign_row is not None:
        campaign_row.opted_out += report.opted_out
        campaign_row.unreachable += report.unreachable
    return report


def _preferences_of(user_ids: list[int]) -> dict[int, MessagePreference]:
    found: dict[int, MessagePreference] = {}
    for start in range(0, len(user_ids), INSERT_BATCH):
        chunk = user_ids[start:start + INSERT_BATCH]
        found.update({p.user_id: p for p in db.session.scalars(
            select(MessagePreference).where(MessagePreference.user_id.in_(chunk)))})
    return found


def _insert_new(rows: list[dict]) -> int:
    """Insert the rows whose ``dedupe_key`` is new; returns how many were inserted (one executemany
    per chunk, which SQLAlchemy sends as multi-row INSERTs)."""
    insert = dialect_insert(db.session.get_bind().dialect.name)
    stmt = insert(M).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(M.id)
    added = 0
    for start in range(0, len(rows), INSERT_BATCH):
        added += len(db.session.execute(stmt, rows[start:start + INSERT_BATCH]).all())
    return added


# --- delivering -------------------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0  # left for the next run by a rate limit
    unconfirmed: int = 0


class RateLimits:
    """Per-channel moving windows (``MESSAGE_RATE_LIMITS``), in Redis when configured so that
    concurrent senders share them; one per app."""

    def __init__(self, spec: str, storage_uri: str):
        from limits import parse
        from limits.storage import storage_from_string
        from limits.strategies import MovingWindowRateLimiter

        self.items = {}
        for part in spec.split(";"):
            name, _sep, limit = part.partition("=")
            if name.strip() and limit.strip():
                self.items[name.strip()] = parse(limit.strip())
        self.limiter = MovingWindowRateLimiter(
            storage_from_string(storage_uri, socket_timeout=2, socket_connect_timeout=2))
        # Redis lost: count in this process meanwhile (a password reset must not fail for it).
        self.fallback = MovingWindowRateLimiter(storage_from_string("memory://"))

    def wait(self, channel: str) -> float:
        """0 when a message may go now (and counts it), else the seconds until one may."""
        item = self.items.get(channel)
        if item is None:
            return 0.0
        limiter = self.limiter
        try:
            allowed = limiter.hit(item, "cds-messages", channel)
        except Exception as exc:  # the shared storage (Redis) cannot be reached
            log.warning("message rate limits: shared storage unreachable (%s), counting in memory",
                        type(exc).__name__)
            limiter = self.fallback
            allowed = limiter.hit(item, "cds-messages", channel)
        if allowed:
            return 0.0
        reset = limiter.get_window_stats(item, "cds-messages", channel).reset_time
        return max(reset - time.time(), 0.01)


def _rate_limits() -> RateLimits:
    app = current_app
    if "message_rate_limits" not in app.extensions:
        app.extensions["message_rate_limits"] = RateLimits(
            app.config["MESSAGE_RATE_LIMITS"], app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    return app.extensions["message_rate_limits"]


def sweep_unconfirmed(now: datetime | None = None) -> int:
    """Mark "unconfirmed" the e-mails handed to an SMTP server by a sender that died before
    recording the answer: they are never sent again. Returns how many."""
    now = now or utcnow()
    swept = db.session.execute(
        update(M).where(M.status == "sending", M.lease_until < now)
        .values(status="unconfirmed", lease_owner=None, lease_until=None,
                last_error="the sender stopped before the server's answer; not sent again")
        .returning(M.id)
        .execution_options(synchronize_session=False)).all()
    db.session.commit()
    return len(swept)


def claim(owner: str, batch: int, skip_channels: Iterable[str] = (), now: datetime | None = None,
          only: Iterable[int] | None = None) -> list[OutboxMessage]:
    """Lease up to ``batch`` due messages to ``owner`` and commit; returns them in order.

    Due: queued, retry time reached, no live lease. Concurrent senders skip each other's rows
    (SKIP LOCKED on PostgreSQL; SQLite has one writer at a time) and the outer conditions are
    checked again on the locked row, so a row is leased to one sender only."""
    now = now or utcnow()
    lease = now + timedelta(seconds=int(current_app.config["MESSAGE_LEASE_SECONDS"]))
    free = or_(M.lease_until.is_(None), M.lease_until < now)
    # A CTE is evaluated once: as a plain ``IN (subquery)`` PostgreSQL may run the LIMIT ... SKIP
    # LOCKED subquery again per row and lease more than ``batch`` rows.
    due = (
        select(M.id)
        .where(M.status == "queued", M.next_attempt_at <= now, free, M.channel.not_in(list(skip_channels)),
               *([M.id.in_(list(only))] if only is not None else []))
        .order_by(M.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
        .cte("due")
    )
    rows = db.session.execute(
        update(M).where(M.id.in_(select(due.c.id)), M.status == "queued", free)
        .values(lease_owner=owner, lease_until=lease, attempts=M.attempts + 1)
        .returning(M)
        .execution_options(synchronize_session=False, populate_existing=True)
    ).scalars().all()
    claimed = [_detached(row) for row in rows]  # before the commit, which expires them
    db.session.commit()
    return sorted(claimed, key=lambda m: m.id)


def _detached(row: OutboxMessage) -> OutboxMessage:
    """A plain copy of a claimed row (no further SQL when read after the commit)."""
    return OutboxMessage(**{c.key: getattr(row, c.key) for c in M.__table__.columns})


def _owned(message_id: int, owner: str):
    return (M.id == message_id) & (M.lease_owner == owner)


def _record(message_id: int, owner: str, **values: Any) -> None:
    db.session.execute(update(M).where(_owned(message_id, owner)).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def _retry_or_fail(row: OutboxMessage, owner: str, error: channels.DeliveryError, now: datetime) -> str:
    config = current_app.config
    if error.permanent or row.attempts >= int(config["MESSAGE_MAX_ATTEMPTS"]):
        _record(row.id, owner, status="failed", lease_owner=None, lease_until=None, last_error=str(error)[:500])
        return "failed"
    delay = error.retry_after or int(config["MESSAGE_RETRY_SECONDS"]) * 2 ** max(row.attempts - 1, 0)
    _record(row.id, owner, status="queued", lease_owner=None, lease_until=None, last_error=str(error)[:500],
            next_attempt_at=now + timedelta(seconds=delay))
    return "retried"


def _security_kinds() -> set[str]:
    return {k.name for k in message_kinds() if k.security}


def deliver_one(row: OutboxMessage, adapter: channels.Adapter | None, owner: str) -> str:
    """Send one leased message and record the outcome: "sent", "retried" or "failed"."""
    now = utcnow()
    if adapter is None:
        return _retry_or_fail(row, owner, channels.DeliveryError(f"channel {row.channel} is not configured"), now)
    message = channels.OutgoingMessage(row.id, row.kind, row.channel, row.address, row.subject, row.body,
                                       row.params or {}, row.idempotency_key)
    try:
        receipt = adapter.send(message, lambda: _record(row.id, owner, status="sending"))
    except channels.DeliveryError as exc:
        return _retry_or_fail(row, owner, exc, now)
    except Exception as exc:  # a bug in a provider's adapter must not stop the batch
        log.exception("message %s: adapter error", row.id)
        return _retry_or_fail(row, owner, channels.DeliveryError(f"{type(exc).__name__}: {exc}"), now)
    done = {"status": "sent", "sent_at": utcnow(), "provider_id": receipt.provider_id[:200],
            "lease_owner": None, "lease_until": None, "last_error": None}
    if row.kind in _security_kinds():
        done["body"] = ""  # a reset link is not kept once delivered
    _record(row.id, owner, **done)
    return "sent"


def deliver_due(batch: int = 50, max_wait: float = 5.0, sleep: Callable[[float], None] = time.sleep,
                limit: int | None = None, only: Iterable[int] | None = None) -> DeliveryReport:
    """Deliver every due message (or the ``only`` ids), ``batch`` leased at a time, within the
    channels' rate limits; ``limit`` stops after that many tries. Returns what happened."""
    owner = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    report = DeliveryReport(unconfirmed=sweep_unconfirmed())
    adapters: dict[str, channels.Adapter | None] = {}
    paused: set[str] = set()
    tried = 0
    try:
        while limit is None or tried < limit:
            rows = claim(owner, batch if limit is None else min(batch, limit - tried), paused, only=only)
            if not rows:
                break
            for row in rows:
                if row.channel in paused or not _pace(row.channel, max_wait, sleep):
                    paused.add(row.channel)
                    _record(row.id, owner, lease_owner=None, lease_until=None, attempts=row.attempts - 1)
                    report.deferred += 1
                    continue
                if row.channel not in adapters:
                    adapters[row.channel] = channels.adapter_for(row.channel)
                outcome = deliver_one(row, adapters[row.channel], owner)
                setattr(report, outcome, getattr(report, outcome) + 1)
                tried += 1
    finally:
        for adapter in adapters.values():
            if adapter is not None:
                adapter.close()
    return report


def _pace(channel: str, max_wait: float, sleep: Callable[[float], None]) -> bool:
    """Wait for the channel's rate limit when it frees within ``max_wait`` seconds."""
    limits = _rate_limits()
    while (wait := limits.wait(channel)) > 0:
        if wait > max_wait:
            return False
        sleep(wait)
    return True


def send_now(message_ids: Iterable[int]) -> DeliveryReport:
    """Deliver these queued messages at once (a password reset should not wait for cron), through
    the same claim as ``deliver_due``; whatever fails is retried by the next run."""
    ids = list(message_ids)
    return deliver_due(batch=max(len(ids), 1), only=ids, max_wait=2.0) if ids else DeliveryReport()


# --- what organizers see ----------------------------------------------------------------------------


def status_counts(campaign_ids: list[int]) -> dict[int, dict[str, int]]:
    """Messages per status of each campaign: {campaign id: {status: n}}."""
    out: dict[int, dict[str, int]] = {cid: {} for cid in campaign_ids}
    if campaign_ids:
        for cid, status, n in db.session.execute(
            select(M.campaign_id, M.status, func.count()).where(M.campaign_id.in_(campaign_ids))
            .group_by(M.campaign_id, M.status)
        ):
            out[cid][status] = n
    return out


def campaign_messages(campaign_id: int, limit: int = 500) -> list[OutboxMessage]:
    """A campaign's messages, failed and unconfirmed first, then by id."""
    order = {"failed": 0, "unconfirmed": 1, "queued": 2, "sending": 3, "sent": 4}
    rows = db.session.scalars(select(M).where(M.campaign_id == campaign_id).order_by(M.id).limit(limit)).all()
    return sorted(rows, key=lambda m: (order.get(m.status, 5), m.id))


def enqueue_one(kind: str, person: Any, content: Content, reason: str) -> int | None:
    """Queue one message to one person outside any campaign; returns its id (None when the person
    opted out, cannot be reached, or it was already queued for this reason). Caller commits."""
    report = enqueue(kind, [person], lambda _p: content, reason)
    if not report.queued:
        return None
    return db.session.scalar(select(M.id).where(M.dedupe_key == f"{kind}:{reason}:{person.id}"[:200]))
