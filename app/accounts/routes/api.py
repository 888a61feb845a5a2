"""API endpoints of accounts: ``POST`` and ``DELETE /api/v1/auth/token`` (bearer tokens)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import current_app, jsonify
from pydantic import BaseModel, Field

from app.accounts import service as accounts
from app.accounts.routes.auth import login_account_limit
from app.accounts.tokens import issue_token, remember_read, revoke_tokens
from app.api import bp
from app.api.auth import bearer_digest, token_user_id
from app.api.openapi import Reply, documented, parse_body
from app.core.errors import api_error
from app.core.extensions import db, limiter


class TokenRequest(BaseModel):
    """A person's login and password."""

    login: str = Field(min_length=1, max_length=254, pattern=r"^[^\x00]+$",
                       description="The phone number or e-mail address the person registered with.")
    password: str = Field(min_length=1, max_length=1000)


class Token(BaseModel):
    """A bearer token, valid 30 days: send it as `Authorization: Bearer <token>`."""

    token: str = Field(description="Shown once: the server keeps only its SHA-256.")
    token_type: Literal["Bearer"]
    expires_at: datetime


@bp.post("/auth/token")
@documented(tag="accounts", operation_id="issueToken", body=TokenRequest, limited=True, responses={
    201: Token,
    400: "The body is not JSON with a non-empty `login` and `password`.",
    401: Reply("Wrong login or password.", headers=("WWW-Authenticate",)),
})
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"])
@login_account_limit
def auth_token():
    """Exchange a phone number or e-mail and a password for a bearer token (30 days).

    Rate-limited per address (`LOGIN_LIMIT_PER_IP`) and per account (`LOGIN_LIMIT_PER_ACCOUNT`
    failed attempts, shared with the login form)."""
    data = parse_body(TokenRequest)
    user = accounts.authenticate(data.login, data.password)
    if user is None:
        return api_error(401, "Wrong login or password.")
    token, row = issue_token(user)
    db.session.commit()
    remember_read(row.token_hash, user.id)  # a new token is valid: its first board read needs no SQL
    return jsonify(
        {"token": token, "token_type": "Bearer", "expires_at": row.expires_at.isoformat()}
    ), 201


@bp.delete("/auth/token")
@documented(tag="accounts", operation_id="revokeToken", auth="bearer", responses={
    204: Reply("Revoked: this token no longer works.", model=None)})
def revoke_token():
    """Revoke the bearer token of the request (log out of the app on this device).

    For a shared phone (a community helper's, after a citizen used it). Changing or resetting the
    password on the website revokes all of the person's tokens."""
    user_id = token_user_id()  # checked in the database, never a cached copy
    if user_id is None:
        return api_error(401, "A valid bearer token is required.")
    revoke_tokens(user_id, bearer_digest())
    db.session.commit()
    return "", 204
