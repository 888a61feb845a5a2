"""What every domain's commands share: import reports, reading a table file, ``flask demo`` and
``flask notify send`` (the outbox).

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
    """Create or refresh the demo data (the demo province, accounts and content); refused under
    the production configuration (its accounts have a published password)."""
    if not current_app.config.get("DEMO_DATA_ALLOWED", False):
        raise click.ClickException(
            "Demo data is never created under the production configuration (APP_CONFIG=production): "
            "its accounts have a published password.")
    seed_demo()
    click.echo("Demo data ready. Logins: 0900000001 … 0900000006, password demo12345.")


def add_demo_seeder(app: Flask, seeder: Callable[[], None]) -> None:
    """Domains add their demo content (tree, accounts, courses, contests, ...) to ``flask demo seed``."""
    app.extensions.setdefault("demo_seeders", []).append(seeder)


notify_cli = AppGroup("notify", help="Messages to people: the outbox (app.core.messaging).")


@notify_cli.command("send")
@click.option("--batch", default=50, show_default=True, help="Messages leased per claim.")
@click.option("--limit", type=int, default=None, help="Stop after this many tries.")
@click.option("--collect/--no-collect", default=True, show_default=True,
              help="First enqueue what became due (round openings, results, training reminders).")
def notify_send_cmd(batch: int, limit: int | None, collect: bool) -> None:
    """Enqueue what became due, then deliver every due message, in batches, within each channel's
    rate limit, with retries and back-off. Run it every minute from cron; a message is never sent
    twice, even when a run is killed mid-batch and another starts."""
    from app.core import messaging

    queued = messaging.collect_due() if collect else 0
    report = messaging.deliver_due(batch=max(batch, 1), limit=limit)
    click.echo(
        f"{queued} queued; {report.sent} sent, {report.retried} to retry, {report.failed} failed, "
        f"{report.deferred} left for the next run (rate limit), {report.unconfirmed} unconfirmed."
    )


audit_cli = AppGroup("audit", help="The record of staff actions (app.core.audit).")


@audit_cli.command("prune")
def audit_prune_cmd() -> None:
    """Delete audit events older than AUDIT_RETENTION_DAYS (run daily from cron)."""
    from datetime import timedelta

    from app.core import audit
    from app.core.types import utcnow

    days = int(current_app.config["AUDIT_RETENTION_DAYS"])
    deleted = audit.prune(utcnow() - timedelta(days=days))
    db.session.commit()
    click.echo(f"Deleted {deleted} audit events older than {days} days.")


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_cli)
    app.cli.add_command(notify_cli)
    app.cli.add_command(audit_cli)
