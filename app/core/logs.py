"""Structured (JSON lines) logging, so a province's log collector can index every field."""
from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if has_request_context():
            entry["method"] = request.method
            # A path carrying a secret (a password-reset token) is logged as its route's pattern.
            secret = request.view_args is not None and "token" in request.view_args
            entry["path"] = request.url_rule.rule if secret and request.url_rule else request.path
            entry["ip"] = request.remote_addr or ""
            user_id = getattr(g, "log_user_id", None)
            if user_id:
                entry["user"] = user_id
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if app.config.get("LOG_JSON"):
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("congdanso")
    root.handlers = [handler]
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    root.propagate = False
    app.logger.handlers = [handler]
    app.logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
