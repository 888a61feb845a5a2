"""Required training for officials: assignments, compliance, final tests and certificates (/training).

A second blueprint, ``verify_bp``, serves the public certificate check at ``/verify/<code>``.
"""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("training", __name__)
verify_bp = Blueprint("verify", __name__)


def init_app(app: Flask) -> None:
    from app.templating import add_nav_link, add_staff_link

    app.config.setdefault("VERIFY_RATE_LIMIT", "30 per minute")
    app.register_blueprint(verify_bp)
    add_nav_link(app, "training.mine", _l("My training"))
    add_staff_link(app, "training.assignments", _l("Required training"), ("organizer", "manager"))
    add_staff_link(app, "training.reminders", _l("Training reminders"), ("organizer", "manager"))


from app.training import routes, verify  # noqa: E402,F401
