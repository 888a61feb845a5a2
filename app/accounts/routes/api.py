"""API endpoints of accounts: ``POST`` and ``DELETE /api/v1/auth/token`` (bearer tokens)."""

from __future__ import annotations

from flask import current_app, jsonify, request

from app.accounts import service as accounts
from app.accounts.tokens import issue_token, remember_read, revoke_tokens
from app.api import bp
from app.api.auth import bearer_digest, token_user_id
from app.core.errors import api_error
from app.core.extensions import db, limiter


@bp.post("/auth/token")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"])
def auth_token():
    """Exchange a phone number or e-mail and a password for a bearer token (30 days)."""
    data = request.get_json(silent=True) or {}
    login, password = str(data.get("login") or ""), str(data.get("password") or "")
    if not login or not password:
        return api_error(400, "Send JSON with 'login' (phone or e-mail) and 'password'.")
    user = accounts.authenticate(login, password)
    if user is None:
        return api_error(401, "Wrong login or password.")
    token, row = issue_token(user)
    db.session.commit()
    remember_read(row.token_hash, user.id)  # a new token is valid: its first board read needs no SQL
    return jsonify(
        {"token": token, "token_type": "Bearer", "expires_at": row.expires_at.isoformat()}
    ), 201


@bp.delete("/auth/token")
def revoke_token():
    """Revoke the bearer token of the request (log out of the app on this device): 204."""
    user_id = token_user_id()  # checked in the database, never a cached copy
    if user_id is None:
        return api_error(401, "A valid bearer token is required.")
    revoke_tokens(user_id, bearer_digest())
    db.session.commit()
    return "", 204
