"""Home page and the display preferences (language, large text, low data)."""
from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import gettext as _
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


# --- the installable web app ----------------------------------------------------------------------

@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest: the site installs on a phone's home screen with its own icon."""
    response = jsonify({
        "name": _("Công Dân Số"), "short_name": _("Công Dân Số"),
        "description": _("Learn to use online public services one small step at a time, on your phone, "
                         "alone or with a community digital helper."),
        "lang": "vi", "start_url": url_for("main.index"), "scope": "/", "display": "standalone",
        "background_color": "#ffffff", "theme_color": "#0b5cad",
        "icons": [{"src": url_for("static", filename=f"icons/icon-{n}.png"), "sizes": f"{n}x{n}",
                   "type": "image/png", "purpose": "any maskable"} for n in (192, 512)],
    })
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/sw.js")
def service_worker():
    """The service worker, served from the site's root so that it may answer for every page
    (pages of downloaded courses when there is no network)."""
    response = send_from_directory(current_app.static_folder or "", "js/sw.js", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    response.mimetype = "text/javascript"
    return response


@bp.get("/favicon.ico")
def favicon():
    return send_from_directory(current_app.static_folder or "", "icons/favicon.ico", max_age=7 * 24 * 3600,
                               mimetype="image/vnd.microsoft.icon")
