"""``flask users`` and ``flask officials``."""
from __future__ import annotations

import getpass
import sys

import click
from flask.cli import AppGroup
from tqdm import tqdm

from app.accounts import officials
from app.accounts import service as accounts
from app.core.cli import load_table, print_report
from app.core.extensions import db

users_cli = AppGroup("users", help="Accounts.")
officials_cli = AppGroup("officials", help="Officials and workplace units.")


@users_cli.command("create-admin")
@click.option("--login", "login", required=True, help="Phone number or e-mail.")
@click.option("--name", "full_name", required=True)
@click.option("--password", default=None, help="Asked for when omitted.")
def create_admin(login: str, full_name: str, password: str | None) -> None:
    """Create an administrator (or make an existing account one)."""
    user = accounts.find_by_login(login)
    if user is None:
        if password is None:
            password = getpass.getpass("Password: ")
        try:
            user = accounts.register_user(login, password, full_name, None)
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from exc
    accounts.grant_role(user, "admin", None)
    db.session.commit()
    click.echo(f"{user.login} is an administrator.")


@officials_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "importer_login", required=True, help="Login of the admin/organizer importing.")
@click.option("--confirm", is_flag=True, help="Apply the changes to existing accounts (listed without it).")
def import_officials_cmd(file: str, importer_login: str, confirm: bool) -> None:
    """Import officials from FILE; rows outside the importer's area are refused. Changes to
    existing accounts are listed, and written only with --confirm."""
    importer = accounts.find_by_login(importer_login)
    if importer is None or not importer.has_role("admin", "organizer"):
        raise click.ClickException("The importer must be an admin or organizer.")
    table = load_table(file, officials.OFFICIAL_COLUMNS)
    with tqdm(total=len(table.rows), unit="row", desc="officials", file=sys.stderr, disable=None) as bar:
        report = officials.import_officials(table, importer, progress=bar.update, confirmed=confirm)
    if not report.ok:
        db.session.rollback()
        print_report(report)
        raise click.ClickException(f"{len(report.errors)} problems; nothing was imported.")
    if report.to_confirm and not confirm:
        db.session.rollback()
        for change in report.to_confirm:
            fields = "; ".join(f"{name}: {before} -> {after}" for name, (before, after) in change.changes.items())
            click.echo(f"line {change.line}: {change.full_name} ({change.phone}): {fields}")
        raise click.ClickException(
            f"{len(report.to_confirm)} existing accounts would change; nothing was imported. "
            "Run again with --confirm to apply these changes.")
    db.session.commit()
    click.echo(f"{report.rows} rows: {report.created} created, {report.updated} updated.")
