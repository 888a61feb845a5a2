"""Leaders' dashboards (per unit of the manager's subtree) and the learner's profile (/insights)."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("insights", __name__)


def init_app(app: Flask) -> None:
    from app.cli import add_demo_seeder, localities_cli
    from app.insights.cli import competency_cli, reorganize_cmd, reports_cli
    from app.insights.demo import seed_competency_demo
    from app.templating import add_nav_link, add_staff_link

    app.config.setdefault("LAGGING_THRESHOLD_PERCENT", 50.0)
    add_nav_link(app, "insights.me", _l("My digital skills"))
    add_staff_link(app, "insights.index", _l("Dashboards"), ("manager", "organizer"))
    add_staff_link(app, "insights.placements", _l("People to place after reorganization"), ("manager",))
    app.cli.add_command(reports_cli)
    app.cli.add_command(competency_cli)
    localities_cli.add_command(reorganize_cmd)
    add_demo_seeder(app, seed_competency_demo)


from app.insights import routes  # noqa: E402,F401
