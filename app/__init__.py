"""Công Dân Số: the application factory.

The app is one package per domain (``DOMAINS``); each has ``init_app(app)`` that registers its
blueprints, commands, menu links and demo data. ``app.api`` comes last: the domains add their
endpoints to its blueprint first.
"""
from __future__ import annotations

import importlib
import importlib.util
import logging
import os

from flask import Flask, g, has_request_context, request, session
from flask_login import current_user

from app.core.errors import error_response
from app.core.extensions import babel, csrf, db, limiter, login_manager, migrate
from app.core.inputs import Request, control_character_message, find_control_characters
from config import CONFIGS, Config

DOMAINS = (
    "app.core",
    "app.localities",
    "app.accounts",
    "app.learn",
    "app.contests",
    "app.training",
    "app.competency",
    "app.api",
)


def select_locale() -> str:
    """The person's chosen language (session, then account), Vietnamese by default."""
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and background work speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return str(chosen)
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return str(current_user.locale)
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def create_app(config_class: type[Config] | str | None = None) -> Flask:
    """Build the Flask app: extensions, blueprints, CLI commands, logging."""
    app = Flask(__name__, instance_relative_config=True, template_folder="core/templates",
                static_folder="core/static")
    if config_class is None:
        config_class = os.environ.get("APP_CONFIG", "development")
    if isinstance(config_class, str):
        config_class = CONFIGS[config_class]
    app.config.from_object(config_class)
    problems = config_class.refusals(app.config)
    if problems:
        raise RuntimeError("Refusing to start: " + "; ".join(problems))
    app.request_class = Request
    os.makedirs(app.instance_path, exist_ok=True)
    proxies = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if proxies > 0:
        # The client's address (per-address rate limits, logs) and scheme from the last ``proxies``
        # X-Forwarded-For / -Proto entries, which our own proxies appended; anything a client put
        # before them is ignored. The Host header is never trusted for links (PUBLIC_BASE_URL).
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    from app.core.logs import configure_logging

    configure_logging(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"),
                     compare_type=True, render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories="translations")
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)

    from app.core import database

    database.init_app(app)

    from app.accounts.models import User

    @login_manager.user_loader
    def load_user(session_id: str):
        user_id, _, version = session_id.partition(".")
        if not user_id.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        # A password change bumps session_version and so ends every other session.
        if user is None or str(user.session_version) != version or not user.is_active:
            return None
        return user

    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please log in to continue.")

    for name in DOMAINS:
        if importlib.util.find_spec(f"{name}.models") is not None:
            importlib.import_module(f"{name}.models")  # one metadata for create_all and Alembic
    for name in DOMAINS:
        importlib.import_module(name).init_app(app)

    @app.before_request
    def refuse_control_characters():
        """NUL and the other control characters (PostgreSQL cannot store NUL; ESC broke exports)
        are refused up front with a 400 in the person's language, in the URL's path and query
        and in a form (``app.core.inputs``; a JSON body is checked when its view parses it)."""
        if find_control_characters():
            return error_response(400, control_character_message())
        return None

    @app.before_request
    def remember_preferences() -> None:
        g.large_text = request.cookies.get("large_text") == "1"
        g.low_data = request.cookies.get("low_data") == "1"

    hsts_seconds = int(app.config.get("HSTS_SECONDS") or 0)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if hsts_seconds:
            response.headers.setdefault("Strict-Transport-Security",
                                        f"max-age={hsts_seconds}; includeSubDomains")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; media-src 'self'; "
            "style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'self'",
        )
        return response

    logging.getLogger("congdanso").debug("app created")
    return app
