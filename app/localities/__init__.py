"""The administrative tree: units of any depth with official codes, its import, and the
reorganization of units on a date (the 2025 reform) with the history kept readable."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from app.core.cli import add_demo_seeder
    from app.core.templating import add_staff_link
    from app.localities import cli, demo, routes

    app.register_blueprint(routes.bp)
    add_staff_link(app, "localities.placements", _l("People to place after reorganization"), ("manager",))
    app.cli.add_command(cli.localities_cli)
    add_demo_seeder(app, demo.seed_demo_tree)
