"""JSON API v1 (documented in docs/api.md)."""
from __future__ import annotations

from typing import Any

from flask import jsonify

from app.api import bp
from app.core.database import database_state, redis_state
from app.core.errors import api_error
from app.core.types import TZ, utcnow
from app.localities import service as localities


@bp.get("/health")
def health():
    """State of the database and, when configured, of Redis; 503 when something is down."""
    state: dict[str, Any] = {"database": database_state()}
    redis = redis_state()
    if redis is not None:
        state["redis"] = redis
    ok = all(part["ok"] for part in state.values())
    state["status"] = "ok" if ok else "degraded"
    return jsonify(state), 200 if ok else 503


@bp.get("/time")
def server_time():
    """The server's clock, in UTC and in Asia/Ho_Chi_Minh: a quiz client counts down to an
    attempt's ``deadline`` from this, not from the phone's own clock. No database, no Redis."""
    now = utcnow()
    return jsonify({"now": now.isoformat(), "local": now.astimezone(TZ).isoformat(), "timezone": TZ.key})


def _locality_json(loc) -> dict:
    return {"id": loc.id, "code": loc.code, "name": loc.name, "type": loc.type,
            "label": loc.label, "depth": loc.depth}


@bp.get("/localities")
def locality_roots():
    """Top-level units (provinces) that exist today."""
    return jsonify({"localities": [_locality_json(x) for x in localities.children(None)]})


@bp.get("/localities/<code>/children")
def locality_children(code: str):
    """Units directly under ``code`` that exist today (used by the drill-down picker)."""
    parent = localities.get_by_code(code[:20])
    if parent is None:
        return api_error(404, "Unknown locality code")
    return jsonify({"parent": _locality_json(parent),
                    "localities": [_locality_json(x) for x in localities.children(parent)]})
