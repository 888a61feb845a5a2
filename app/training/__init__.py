"""Required training for officials: assignments, compliance, final tests and certificates
(``/training``), and the public certificate check at ``/verify/<code>``."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from app.core.messaging import add_collector, register_kind
    from app.core.templating import add_nav_link, add_staff_link
    from app.training import messages
    from app.training.routes import pages, verify

    app.config.setdefault("VERIFY_RATE_LIMIT", "30 per minute")
    app.register_blueprint(pages.bp, url_prefix="/training")
    app.register_blueprint(verify.verify_bp)
    add_nav_link(app, "training.mine", _l("My training"), roles=("official",))  # not for citizens
    add_staff_link(app, "training.assignments", _l("Required training"), ("organizer", "manager"))
    add_staff_link(app, "training.reminders", _l("Training reminders"), ("organizer", "manager"))
    register_kind(app, "training_due", _l("Required training due within 7 days"))
    register_kind(app, "training_overdue", _l("Required training overdue"))
    register_kind(app, "training_digest", _l("Weekly digest of my area's training (managers)"))
    add_collector(app, messages.collect)
    from app.core.personal_data import register_eraser
    from app.training.certificates import erase_person

    register_eraser(app, erase_person)
