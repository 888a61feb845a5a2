"""The learning area: catalogue, lesson players, progress, assisted learning and authoring (/learn)."""
from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("learn", __name__)


def init_app(app: Flask) -> None:
    from app.cli import add_demo_seeder
    from app.learn.cli import content_cli, seed_demo_courses
    from app.templating import add_nav_link, add_staff_link

    add_nav_link(app, "learn.catalogue", _l("Lessons"))
    add_staff_link(app, "learn.assist", _l("Assisted learning"), ("helper",))
    add_staff_link(app, "learn.author_index", _l("Write lessons"), ("organizer",))
    add_demo_seeder(app, seed_demo_courses)
    from app.services.content import render_markdown

    app.jinja_env.filters["markdown"] = render_markdown
    app.cli.add_command(content_cli)


from app.learn import authoring, routes  # noqa: E402,F401
