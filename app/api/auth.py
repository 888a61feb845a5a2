"""Who is asking the JSON API: the ``Authorization: Bearer`` token of a request.

Issuing and revoking tokens are ``app.accounts.tokens`` (endpoints in ``app.accounts.routes.api``);
only a SHA-256 of a token is stored."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import current_app, g, request
from redis.exceptions import RedisError
from sqlalchemy import bindparam, select

from app.accounts.models import ApiToken, User
from app.accounts.tokens import READ_CACHE, read_key, remember_read, token_hash
from app.core.cache import cached
from app.core.database import read_scalar, redis_failed, usable_redis
from app.core.errors import api_error
from app.core.extensions import db
from app.core.types import utcnow


def bearer_digest() -> str | None:
    """The SHA-256 of the request's ``Authorization: Bearer`` token, or None without one."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer ") and len(header) < 200:
        return token_hash(header[7:].strip())
    return None


def valid_token() -> list:
    """The conditions under which a token is valid (for a query joining ``ApiToken`` and ``User``):
    the token exists and has not expired, and its account is active and not an assisted one.

    They take bound parameters, filled by ``token_params(digest)``, so that a query using them is
    built once per process."""
    return [
        ApiToken.token_hash == bindparam("token_digest"),
        ApiToken.expires_at > bindparam("token_now"),
        User.active.is_(True),
        User.is_assisted.is_(False),
    ]


def token_params(digest: str) -> dict:
    """The parameters of ``valid_token()`` for the token whose SHA-256 is ``digest``, now."""
    return {"token_digest": digest, "token_now": utcnow()}


_TOKEN_USER = select(ApiToken.user_id).join(User, User.id == ApiToken.user_id).where(*valid_token())


def token_user_id(for_read: bool = False) -> int | None:
    """The id of the active user of a valid ``Authorization: Bearer`` token, or None.

    One narrow indexed query (no ORM objects): the hot contest endpoints need only the id. With
    ``for_read`` (a public board adding the caller's own rank, nothing written or private) a token
    found valid in the last ``TOKEN_READ_CACHE_SECONDS`` (default 30) is trusted without SQL: with
    Redis, a copy every worker shares (``remember_read``; one GET), so a reader is checked in SQL
    once per period, not once per worker; without Redis, the worker's own copy. A token that expires or
    an account deactivated meanwhile can still see its own rank for that long. Starting, saving
    and submitting always check the database. A read's check runs outside the request's
    transaction (``database.read_scalar``): the board itself needs no SQL.
    """
    if "api_user_id" in g:
        return g.api_user_id
    digest = bearer_digest()
    user_id = None
    if digest is not None:

        def load() -> int | None:
            if for_read:  # nothing else in the request needs a transaction: one round trip
                return read_scalar(_TOKEN_USER, token_params(digest))
            return db.session.scalar(_TOKEN_USER, token_params(digest))

        ttl = float(current_app.config.get("TOKEN_READ_CACHE_SECONDS", 30)) if for_read else 0
        client = usable_redis() if ttl > 0 else None
        if client is not None:
            user_id = _shared_read(client, digest, load)
        else:
            user_id = cached(READ_CACHE, digest, ttl, load, keep=lambda found: found is not None)
    g.api_user_id = user_id
    return user_id


def _shared_read(client, digest: str, load: Callable[[], int | None]) -> int | None:
    """The user id of a token a worker checked recently (Redis), else ``load()`` and share it."""
    try:
        found = client.get(read_key(digest))
    except RedisError as exc:  # Redis lost: check the token in SQL
        redis_failed(exc)
        return load()
    if found is not None:
        return int(found)
    user_id = load()
    if user_id is not None:
        remember_read(digest, user_id)
    return user_id


def token_user():
    """The active user of a valid ``Authorization: Bearer`` token, or None."""
    if "api_user" not in g:
        user_id = token_user_id()
        g.api_user = db.session.get(User, user_id) if user_id is not None else None
    return g.api_user


def token_required(view: Callable) -> Callable:
    """API view decorator: 401 JSON without a valid bearer token."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if token_user_id() is None:
            return api_error(401, "A valid bearer token is required.")
        return view(*args, **kwargs)

    return wrapped
