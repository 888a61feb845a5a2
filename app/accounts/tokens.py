"""Bearer tokens of the JSON API: issuing and revoking them, and the copy in Redis that lets every
worker trust a checked token for board reads. Only the SHA-256 of a token is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import delete

from app.accounts.models import ApiToken
from app.core.cache import forget
from app.core.database import redis_failed, usable_redis
from app.core.extensions import db
from app.core.types import utcnow

TOKEN_DAYS = 30
# The per-worker cache (``worker_cache``) of tokens checked for board reads, used without Redis.
READ_CACHE = "api_token_reads"


def token_hash(token: str) -> str:
    """The SHA-256 (hex) under which ``token`` is stored and looked up."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user) -> tuple[str, ApiToken]:
    """A new random token for ``user`` (caller commits); the plain token is returned only once."""
    token = secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=token_hash(token), expires_at=utcnow() + timedelta(days=TOKEN_DAYS))
    db.session.add(row)
    return token, row


def read_key(digest: str) -> str:
    """The Redis key of the shared read copy of the token whose SHA-256 is ``digest``."""
    return f"cds:token-read:{digest}"


def remember_read(digest: str, user_id: int) -> None:
    """Let every worker trust this checked token for board reads (Redis, for
    ``TOKEN_READ_CACHE_SECONDS``); nothing without Redis or with the setting at 0."""
    client = usable_redis()
    ttl = int(current_app.config.get("TOKEN_READ_CACHE_SECONDS", 30))
    if client is not None and ttl > 0:
        try:
            client.set(read_key(digest), user_id, ex=ttl)
        except RedisError as exc:  # only a cache: the next read checks SQL
            redis_failed(exc)


def revoke_tokens(user_id: int, digest: str | None = None) -> int:
    """Delete the person's bearer tokens, or only the one whose SHA-256 is ``digest`` (caller
    commits); returns how many.

    Starting, saving and submitting check the database, so they refuse a revoked token once the
    caller commits. The shared read copies are deleted now, and this worker's own copies with them.
    A board read that checks the token before the commit may put a copy back, and a worker without
    Redis keeps its own: either way the person's own rank may still be added to a public board for
    up to ``TOKEN_READ_CACHE_SECONDS`` (nothing private is shown with it).
    """
    query = delete(ApiToken).where(ApiToken.user_id == user_id)
    if digest is not None:
        query = query.where(ApiToken.token_hash == digest)
    digests = db.session.scalars(query.returning(ApiToken.token_hash)).all()
    client = usable_redis()
    if client is not None and digests:
        try:
            client.delete(*(read_key(d) for d in digests))
        except RedisError as exc:  # the copies expire by themselves (TOKEN_READ_CACHE_SECONDS)
            redis_failed(exc)
    forget(READ_CACHE)
    return len(digests)
