"""People: accounts, roles and their scope, officials and workplace units, API tokens; the sign-in
and profile pages (``/auth``) and the administration of people and roles (``/admin``)."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from app.accounts import cli, demo
    from app.accounts.routes import admin, api, auth  # noqa: F401  (api adds to the API blueprint)
    from app.core.cli import add_demo_seeder
    from app.core.messaging import register_kind

    app.register_blueprint(auth.bp, url_prefix="/auth")
    app.register_blueprint(admin.bp, url_prefix="/admin")
    app.cli.add_command(cli.users_cli)
    app.cli.add_command(cli.officials_cli)
    add_demo_seeder(app, demo.seed_demo_accounts)
    register_kind(app, "password_reset", _l("Password reset links"), security=True)
    from app.accounts.officials import CHANGE_ACTION
    from app.core.audit import register_action

    register_action(CHANGE_ACTION, _l("changed an account through the officials import"), {
        "full_name": _l("Full name"), "kind": _l("Kind of account"), "locality": _l("Locality"),
        "workplace_unit": _l("Workplace unit"), "position": _l("Position"), "birth_year": _l("Year of birth")})
    for action, label in (
        ("account.delete", _l("erased a person's account at their request")),
        ("grant_role", _l("granted a role")),
        ("revoke_role", _l("revoked a role")),
        ("import_officials", _l("imported officials")),
    ):
        register_action(action, label)
