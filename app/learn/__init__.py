"""Learning: lesson content files, the catalogue and lesson players, progress, assisted learning by
community helpers, media and narration, and authoring (``/learn``)."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from app.core.cli import add_demo_seeder
    from app.core.messaging import register_kind
    from app.core.templating import add_home_panel, add_nav_link, add_staff_link
    from app.learn.cli import content_cli, seed_demo_courses
    from app.learn.content import render_markdown
    from app.learn.routes import authoring, bp, learner  # noqa: F401  (views attach to bp)
    from app.learn.routes.learner import continue_learning

    app.register_blueprint(bp, url_prefix="/learn")
    add_nav_link(app, "learn.catalogue", _l("Lessons"))
    add_nav_link(app, "learn.assist", _l("Help citizens"), roles=("helper",))
    add_home_panel(app, continue_learning)
    add_staff_link(app, "learn.assist", _l("Assisted learning"), ("helper",))
    add_staff_link(app, "learn.author_index", _l("Write lessons"), ("organizer",))
    add_demo_seeder(app, seed_demo_courses)
    from app.core.audit import register_action

    for action, label in (
        ("course.save", _l("saved a course")),
        ("lesson.save", _l("saved a lesson")),
        ("step.save", _l("saved a lesson step")),
        ("step.delete", _l("deleted a lesson step")),
        ("account.assisted_create", _l("created an account for a person without a phone, as their helper")),
    ):
        register_action(action, label)
    register_kind(app, "assisted_summary", _l("Summaries of lessons learned with a community helper"))
    app.jinja_env.filters["markdown"] = render_markdown
    app.cli.add_command(content_cli)
