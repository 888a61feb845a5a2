"""Home page and the display preferences (language, large text, low data)."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from app.core.extensions import db
from app.core.urls import local_path, referrer_path

bp = Blueprint("main", __name__)

ONE_YEAR = 365 * 24 * 3600


def _back() -> str:
    """Where to go after changing a preference: the form's ``next`` or the page it was sent from,
    when it is a path of this site (never another host: ``app.core.urls.local_path``)."""
    return local_path(request.form.get("next")) or referrer_path() or url_for("main.index")


@bp.get("/")
def index():
    return render_template("main/index.html")


@bp.post("/lang")
def set_language():
    """Switch the interface language; remembered in the session and on the account."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return redirect(_back())


@bp.post("/prefs")
def set_preferences():
    """Large text and low-data mode, kept in cookies so they work before logging in."""
    response = redirect(_back())
    for name in ("large_text", "low_data"):
        if name in request.form:
            value = "1" if request.form.get(name) == "1" else "0"
            response.set_cookie(name, value, max_age=ONE_YEAR, samesite="Lax", httponly=True)
    return response
