"""Digital competency: the framework, evidence of competence, levels, the report figures per
locality and their charts; the leaders' dashboards and the learner's profile (``/insights``)."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from app.competency import reports, routes
    from app.competency.cli import competency_cli, reports_cli
    from app.competency.demo import seed_competency_demo
    from app.core.cli import add_demo_seeder
    from app.core.templating import add_nav_link, add_staff_link

    app.config.setdefault("LAGGING_THRESHOLD_PERCENT", 50.0)
    reports.watch_moves()
    app.register_blueprint(routes.bp, url_prefix="/insights")
    add_nav_link(app, "insights.me", _l("My digital skills"))
    add_staff_link(app, "insights.index", _l("Dashboards"), ("manager", "organizer"))
    app.cli.add_command(reports_cli)
    app.cli.add_command(competency_cli)
    add_demo_seeder(app, seed_competency_demo)
