"""What every domain's commands share: import reports, reading a table file, and ``flask demo``.

Each domain adds its own command groups in its ``init_app`` and its demo data with
``add_demo_seeder``; ``flask demo seed`` runs the seeders in the order the domains were set up.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.core.extensions import db
from app.core.tabular import ImportReport, Table, TableError, read_table


def print_report(report: ImportReport) -> None:
    """Print an import's problems (the first 200) on standard error."""
    for error in report.errors[:200]:
        click.echo(f"  {error}", err=True)
    if len(report.errors) > 200:
        click.echo(f"  … {len(report.errors) - 200} more", err=True)


def load_table(path: str, columns: list[str]) -> Table:
    """Read a CSV/XLSX file for an import command, or stop with the reason."""
    try:
        return read_table(Path(path), path, columns)
    except (TableError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc


demo_cli = AppGroup("demo", help="Demo data for trying the product (never in production).")


def seed_demo() -> None:
    """Run every domain's demo seeder (tree, accounts, lessons, contests, figures) and commit;
    running it again changes nothing."""
    for seeder in current_app.extensions.get("demo_seeders", []):
        seeder()
        db.session.flush()
    db.session.commit()


@demo_cli.command("seed")
def seed_cmd() -> None:
    """Create or refresh the demo data (the demo province, accounts and content)."""
    seed_demo()
    click.echo("Demo data ready. Logins: 0900000001 … 0900000006, password demo12345.")


def add_demo_seeder(app: Flask, seeder: Callable[[], None]) -> None:
    """Domains add their demo content (tree, accounts, courses, contests, ...) to ``flask demo seed``."""
    app.extensions.setdefault("demo_seeders", []).append(seeder)


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_cli)
