"""JSON errors for the API."""
from __future__ import annotations

from flask import jsonify


def api_error(status: int, message: str, **extra):
    """A JSON error response: ``{"error": {"status": ..., "message": ...}}``."""
    response = jsonify({"error": {"status": status, "message": message, **extra}})
    response.status_code = status
    return response
