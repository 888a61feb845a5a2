"""Contests: question banks, contests and rounds, attempts, ranking, live and final boards,
statistics; the participants' pages (``/contests``), the organizers' pages (``/organize``), the
contest endpoints of the JSON API and ``flask contests``."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from app.contests import messages
    from app.contests.audit_log import register_actions
    from app.contests.cli import contests_cli
    from app.contests.demo import seed_contest_demo
    from app.contests.routes import (  # noqa: F401
        api,
        assist,
        organize,
        organize_audit,
        organize_banks,
        organize_integrity,
        participant,
    )
    from app.core.cli import add_demo_seeder
    from app.core.messaging import add_collector, register_kind
    from app.core.templating import add_nav_link, add_staff_link

    register_actions()
    app.register_blueprint(organize.bp, url_prefix="/organize")
    app.register_blueprint(participant.bp, url_prefix="/contests")
    add_staff_link(app, "organize.index", _l("Contests and question banks"), ("organizer",))
    add_staff_link(app, "organize.audit", _l("Audit of contests and question banks"), ("organizer",))
    add_nav_link(app, "contests.index", _l("Contests"))
    app.cli.add_command(contests_cli)
    add_demo_seeder(app, seed_contest_demo)
    register_kind(app, "contest_round_opened", _l("A contest round I registered for opens"))
    register_kind(app, "contest_results", _l("Contest results and prizes"))
    add_collector(app, messages.collect)
    from app.contests.service import erase_person
    from app.core.personal_data import register_eraser

    register_eraser(app, erase_person)
