"""What every domain shares: extensions, the database and its one SQL-dialect seam, caches, text,
tabular import, audit, messaging, the time zone, templating, error pages and the home page."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the URL converters, the home page, the error pages, the shared template helpers and ``flask demo``."""
    from app.core import cli, errors, routes, templating, urls

    urls.init_app(app)  # before any blueprint: their rules may use the converters
    app.register_blueprint(routes.bp)
    app.register_blueprint(errors.bp)
    templating.register_template_helpers(app)
    cli.init_app(app)
    from flask_babel import lazy_gettext as _l

    from app.core.audit import register_action
    from app.core.personal_data import EXPORTED, VIEWED

    register_action(VIEWED, _l("viewed personal data"), {"what": _l("What"), "path": _l("Page address")})
    register_action(EXPORTED, _l("exported personal data"), {"what": _l("What"), "path": _l("Page address"),
                                                              "format": _l("Format")})
