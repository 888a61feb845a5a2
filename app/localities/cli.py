"""``flask localities import`` and ``flask localities reorganize``."""
from __future__ import annotations

import sys
from datetime import date

import click
from flask.cli import AppGroup
from tqdm import tqdm

from app.core.cli import load_table, print_report
from app.core.extensions import db
from app.localities import reorganize
from app.localities import service as localities

localities_cli = AppGroup("localities", help="The administrative tree.")


@localities_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def import_localities_cmd(file: str) -> None:
    """Import FILE (CSV or XLSX: code,name,type,parent_code); nothing is written if a row is bad."""
    table = load_table(file, localities.IMPORT_COLUMNS)
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


@localities_cli.command("reorganize")
@click.option(
    "--date",
    "effective",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day the new units exist (e.g. 2025-07-01).",
)
@click.argument("new_list", type=click.Path(exists=True, dir_okay=False))
@click.argument("mapping", type=click.Path(exists=True, dir_okay=False))
def reorganize_cmd(effective, new_list: str, mapping: str) -> None:
    """Apply an administrative reorganization: NEW_LIST (code,name,type,parent_code) and MAPPING
    (old_code,new_code[,share]); validated first, applied in one transaction."""
    on: date = effective.date()
    try:
        plan = reorganize.load_plan(new_list, mapping)
    except reorganize.ReorganizeError as exc:
        raise click.ClickException(str(exc)) from exc
    report = reorganize.validate_plan(plan, on)
    if not report.ok:
        print_report(report)
        raise click.ClickException(f"{len(report.errors)} problems; nothing was changed.")
    with tqdm(total=reorganize.STEPS, unit="step", desc="reorganize", file=sys.stderr, disable=None) as bar:
        summary = reorganize.apply_plan(plan, on, progress=bar.update)
    db.session.commit()
    for line in summary.lines():
        click.echo(line)
