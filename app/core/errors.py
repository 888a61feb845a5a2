"""Error pages in the person's language; JSON errors for the API (``api_error``)."""
from __future__ import annotations

import logging
import time

from flask import Blueprint, Response, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.core.extensions import db, limiter

bp = Blueprint("errors", __name__)


def api_error(status: int, message: str, **extra) -> Response:
    """A JSON error response of the API: ``{"error": {"status": ..., "message": ...}}``; a ``401``
    names the scheme to authenticate with (``WWW-Authenticate: Bearer``, RFC 6750)."""
    response = jsonify({"error": {"status": status, "message": message, **extra}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response

log = logging.getLogger("congdanso.errors")


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Check what you entered and try again."),
        401: _("Please log in to continue."),
        403: _("You do not have permission to open this page."),
        404: _("This page does not exist."),
        405: _("This action is not allowed here."),
        413: _("The file is too large."),
        429: _("Too many attempts. Please wait a moment and try again."),
        500: _("Something went wrong on our side. Please try again later."),
    }


def _titles() -> dict[int, str]:
    """The page's heading in words (a person does not read "Error 429")."""
    return {
        400: _("The request could not be understood"),
        401: _("Please log in"),
        403: _("No permission"),
        404: _("Page not found"),
        405: _("Action not allowed"),
        413: _("File too large"),
        429: _("Too many attempts"),
        500: _("Something went wrong"),
    }


def error_response(status: int, message: str):
    """The error page (or, under ``/api/``, the JSON error) with ``message``, in the person's language."""
    return _render(status, message)


def _render(status: int, message: str | None = None):
    message = message or _messages().get(status, _("Something went wrong."))
    if request.path.startswith("/api/"):
        return api_error(status, message)
    title = _titles().get(status, _("Something went wrong"))
    return render_template("errors/error.html", status=status, title=title, message=message), status


@bp.app_errorhandler(CSRFError)
def csrf_error(exc: CSRFError):
    return _render(400, _("The form expired or was sent from elsewhere. Reload the page and try again."))


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException):
    return _render(exc.code or 500)


@bp.app_errorhandler(429)
def too_many_requests(exc: HTTPException):
    """The rate limit's message, with ``Retry-After``: the seconds until the limit's window resets
    (read from the limiter's storage only here, on a refused request)."""
    response = make_response(_render(429))
    current = limiter.current_limit
    if current is not None:
        response.headers["Retry-After"] = str(max(1, int(current.reset_at - time.time())))
    return response


@bp.app_errorhandler(Exception)
def server_error(exc: Exception):
    log.exception("unhandled error")
    db.session.rollback()
    return _render(500)
