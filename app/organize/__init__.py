"""Organizer pages: question banks, contest and round editor, counters, statistics, exports."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("organize", __name__)


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from app.templating import add_staff_link

    add_staff_link(app, "organize.index", _l("Contests and question banks"), ("organizer",))


from app.organize import routes  # noqa: E402,F401
