"""Command-line commands: ``flask users``, ``flask localities``, ``flask officials``, ``flask demo``."""
from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select
from tqdm import tqdm

from app.extensions import db
from app.models import Locality, User
from app.services import accounts, localities, officials
from app.services.tabular import ImportReport, TableError, read_table
from app.services.text import fold

DATA_DIR = Path(__file__).parent / "data"


def print_report(report: ImportReport) -> None:
    for error in report.errors[:200]:
        click.echo(f"  {error}", err=True)
    if len(report.errors) > 200:
        click.echo(f"  … {len(report.errors) - 200} more", err=True)


def _load_table(path: str, columns: list[str]):
    try:
        return read_table(Path(path), path, columns)
    except (TableError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc


users_cli = AppGroup("users", help="Accounts.")
localities_cli = AppGroup("localities", help="The administrative tree.")
officials_cli = AppGroup("officials", help="Officials and workplace units.")
demo_cli = AppGroup("demo", help="Demo data for trying the product (never in production).")


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


@localities_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def import_localities_cmd(file: str) -> None:
    """Import FILE (CSV or XLSX: code,name,type,parent_code); nothing is written if a row is bad."""
    table = _load_table(file, localities.IMPORT_COLUMNS)
    with tqdm(total=len(table.rows), unit="row", desc="localities", file=sys.stderr,
              disable=None) as bar:
        report = localities.import_localities(table, progress=bar.update)
    if not report.ok:
        db.session.rollback()
        print_report(report)
        raise click.ClickException(f"{len(report.errors)} problems; nothing was imported.")
    db.session.commit()
    click.echo(f"{report.rows} rows: {report.created} created, {report.updated} updated, "
               f"{report.unchanged} unchanged.")


@officials_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "importer_login", required=True, help="Login of the admin/organizer importing.")
def import_officials_cmd(file: str, importer_login: str) -> None:
    """Import officials from FILE; rows outside the importer's area are refused."""
    importer = accounts.find_by_login(importer_login)
    if importer is None or not importer.has_role("admin", "organizer"):
        raise click.ClickException("The importer must be an admin or organizer.")
    table = _load_table(file, officials.OFFICIAL_COLUMNS)
    with tqdm(total=len(table.rows), unit="row", desc="officials", file=sys.stderr, disable=None) as bar:
        report = officials.import_officials(table, importer, progress=bar.update)
    if not report.ok:
        db.session.rollback()
        print_report(report)
        raise click.ClickException(f"{len(report.errors)} problems; nothing was imported.")
    db.session.commit()
    click.echo(f"{report.rows} rows: {report.created} created, {report.updated} updated.")


DEMO_PASSWORD = "demo12345"
DEMO_USERS = [
    # phone, name, kind, granted role, grant locality code, home locality code
    ("0900000001", "Quản Trị Viên", "citizen", "admin", None, "70"),
    ("0900000002", "Trần Thị Tổ Chức", "citizen", "organizer", "70", "689"),
    ("0900000003", "Lê Văn Lãnh Đạo", "citizen", "manager", "70", "689"),
    ("0900000004", "Phạm Minh Công", "official", None, None, "25320"),
    ("0900000005", "Hoàng Thị Hỗ Trợ", "citizen", "helper", "2532001", "2532001"),
    ("0900000006", "Nguyễn Văn Dân", "citizen", None, None, "2532001"),
]


def seed_demo() -> None:
    """Load the demo tree and the six demo accounts; running it again changes nothing."""
    table = read_table(DATA_DIR / "demo_localities.csv", "demo_localities.csv", localities.IMPORT_COLUMNS)
    report = localities.import_localities(table, demo=True)
    if not report.ok:
        raise click.ClickException("demo locality file is invalid: " + "; ".join(map(str, report.errors)))
    db.session.flush()
    codes = {loc.code: loc for loc in db.session.scalars(select(Locality).where(Locality.is_demo))}
    for phone, name, kind, role, grant_code, home_code in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.phone == phone))
        if user is None:
            user = User(phone=phone, full_name=name, search_name=fold(name), kind=kind,
                        locality=codes[home_code], is_demo=True)
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            db.session.flush()
        if kind == "official" and user.workplace_unit is None:
            user.workplace_unit = accounts.find_or_create_unit("UBND xã Tân Thành", codes["25320"], 25)
            user.position = "Công chức Văn hóa - Xã hội"
        if role:
            accounts.grant_role(user, role, codes.get(grant_code) if grant_code else None)
    db.session.flush()
    for seeder in current_app.extensions.get("demo_seeders", []):
        seeder()
    db.session.commit()


@demo_cli.command("seed")
def seed_cmd() -> None:
    """Create or refresh the demo data (the demo province, accounts and content)."""
    seed_demo()
    click.echo("Demo data ready. Logins: 0900000001 … 0900000006, password demo12345.")


def register(app: Flask) -> None:
    for group in (users_cli, localities_cli, officials_cli, demo_cli):
        app.cli.add_command(group)


def add_demo_seeder(app: Flask, seeder) -> None:
    """Areas add their demo content (courses, contests, ...) to ``flask demo seed``."""
    app.extensions.setdefault("demo_seeders", []).append(seeder)
