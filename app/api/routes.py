"""JSON API v1: health, time and the administrative tree; the OpenAPI document and its page."""
from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, render_template

from app.api import bp
from app.api.openapi import documented, openapi_document
from app.api.reference import reference
from app.api.schemas import Health, Localities, LocalityChildren, ServerTime
from app.core.database import database_state, redis_state
from app.core.errors import api_error
from app.core.types import TZ, utcnow
from app.localities import service as localities


@bp.get("/health")
@documented(tag="health", operation_id="getHealth", responses={
    200: Health, 503: (Health, "The database is down: the body says what.")})
def health():
    """State of the database and, when configured, of Redis.

    For a load balancer or a monitoring system: `503` (`down`) when the database is down;
    `degraded` (still `200`: the site keeps working from the database, rate limits count per
    worker and live boards are read from SQL until Redis is back) when only Redis is down."""
    state: dict[str, Any] = {"database": database_state()}
    redis = redis_state()
    if redis is not None:
        state["redis"] = redis
    if not state["database"]["ok"]:
        state["status"] = "down"
        return jsonify(state), 503
    state["status"] = "ok" if redis is None or redis["ok"] else "degraded"
    return jsonify(state), 200


@bp.get("/time")
@documented(tag="health", operation_id="getServerTime", responses={200: ServerTime})
def server_time():
    """The server's clock, in UTC and in Asia/Ho_Chi_Minh.

    A quiz client counts down to an attempt's `deadline` from the difference between this and its
    own clock (phones' clocks are often wrong). No database, no Redis."""
    now = utcnow()
    return jsonify({"now": now.isoformat(), "local": now.astimezone(TZ).isoformat(), "timezone": TZ.key})


def _locality_json(loc) -> dict:
    return {"id": loc.id, "code": loc.code, "name": loc.name, "type": loc.type,
            "label": loc.label, "depth": loc.depth}


@bp.get("/localities")
@documented(tag="localities", operation_id="listLocalityRoots", responses={200: Localities})
def locality_roots():
    """Top-level units (provinces) that exist today."""
    return jsonify({"localities": [_locality_json(x) for x in localities.children(None)]})


@bp.get("/localities/<code>/children")
@documented(tag="localities", operation_id="listLocalityChildren", responses={
    200: LocalityChildren, 404: "Unknown locality code."},
    parameters={"code": "The unit's official code."})
def locality_children(code: str):
    """Units directly under a unit that exist today.

    The website's drill-down locality picker reads this."""
    parent = localities.get_by_code(code[:20])
    if parent is None:
        return api_error(404, "Unknown locality code")
    kids = localities.children(parent)
    # Two children with the same name (villages of merged communes) are told apart by their code.
    labels = localities.distinct_labels([{"id": x.id, "code": x.code, "type": x.type, "name": x.name} for x in kids])
    return jsonify({"parent": _locality_json(parent),
                    "localities": [{**_locality_json(x), "label": labels[x.id]} for x in kids]})


@bp.get("/openapi.json")
def openapi_json():
    """This API described as an OpenAPI 3.1 document."""
    return jsonify(openapi_document(current_app))


@bp.get("/docs")
def docs():
    """This API's reference, a page generated from the OpenAPI document."""
    return render_template("api/docs.html", ref=reference(openapi_document(current_app)))
