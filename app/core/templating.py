"""Jinja filters and globals shared by every area."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from flask import Flask, current_app, g, request
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from app.core import numbers
from app.core.text import mask_name

ROLE_LABELS = {
    "citizen": _l("Citizen"),
    "helper": _l("Community digital helper"),
    "official": _l("Official"),
    "organizer": _l("Organizer"),
    "manager": _l("Manager"),
    "admin": _l("Administrator"),
}


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def local_dt(value: datetime | None, fmt: str = "short") -> str:
    """A stored UTC datetime shown in Asia/Ho_Chi_Minh in the person's language."""
    if value is None:
        return ""
    return format_datetime(value, fmt)


def local_date(value: date | datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return format_date(value, fmt)


def table_cell(value: object) -> str:
    """A table cell for people: counts and means by the locale ("1.080", "2,35"), dates by the
    locale, anything else (text, a measure "26 / 247 người (10,5%)") as its text."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int):
        return numbers.number(value)
    if isinstance(value, float):
        return numbers.number(value, 2)
    if isinstance(value, date | datetime):
        return local_date(value, "short")
    return str(value)


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["dt"] = local_dt
    app.jinja_env.filters["d"] = local_date
    app.jinja_env.filters["mask_name"] = mask_name
    app.jinja_env.filters["num"] = numbers.number
    app.jinja_env.filters["pct"] = numbers.percent
    app.jinja_env.filters["cell"] = table_cell
    app.jinja_env.globals["role_label"] = role_label
    app.extensions.setdefault("nav_links", [])
    app.jinja_env.globals["nav_links"] = lambda: [
        (endpoint, label) for endpoint, label, roles in current_app.extensions["nav_links"]
        if roles is None or (current_user.is_authenticated and current_user.has_role(*roles))
    ]
    app.extensions.setdefault("home_panels", [])
    app.jinja_env.globals["home_panels"] = lambda: [
        html for panel in current_app.extensions["home_panels"] if (html := panel())]
    app.extensions.setdefault("staff_links", [])
    app.jinja_env.globals["staff_links"] = lambda: [
        (endpoint, label) for endpoint, label, roles in current_app.extensions["staff_links"]
        if current_user.is_authenticated and current_user.has_role("admin", *roles)
    ]

    @app.context_processor
    def inject() -> dict:
        return {
            "current_locale": str(get_locale() or "vi"),
            "large_text": getattr(g, "large_text", False),
            "low_data": getattr(g, "low_data", False),
            "current_path": request.full_path if request else "/",
        }


def add_nav_link(app: Flask, endpoint: str, label, roles: tuple[str, ...] | None = None) -> None:
    """Show a link to an area in the main menu (``label`` is a lazy translated string), to
    everyone, or only to logged-in people holding one of ``roles`` (a kind such as "official"
    or a granted role such as "helper")."""
    app.jinja_env.globals["role_label"] = role_label
    app.extensions.setdefault("nav_links", []).append((endpoint, label, roles))


def add_home_panel(app: Flask, panel: Callable[[], Markup | str | None]) -> None:
    """Show what ``panel()`` renders (or nothing when it returns None) on the home page, e.g. the
    learner's "continue learning" card."""
    app.extensions.setdefault("home_panels", []).append(panel)


def add_staff_link(app: Flask, endpoint: str, label, roles: tuple[str, ...]) -> None:
    """Show a tile on the management page to people holding one of ``roles``."""
    app.extensions.setdefault("staff_links", []).append((endpoint, label, roles))
