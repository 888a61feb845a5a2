"""Contests for participants: registration, taking rounds, practice and the public boards."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("contests", __name__)


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from app.cli import add_demo_seeder
    from app.contests.cli import contests_cli
    from app.contests.demo import seed_contest_demo
    from app.templating import add_nav_link

    add_nav_link(app, "contests.index", _l("Contests"))
    app.cli.add_command(contests_cli)
    add_demo_seeder(app, seed_contest_demo)


from app.contests import routes  # noqa: E402,F401
