"""The demo tree of ``flask demo seed``: the demo province, its districts, communes and villages."""
from __future__ import annotations

from pathlib import Path

import click

from app.core.tabular import read_table
from app.localities import service as localities

DATA_DIR = Path(__file__).parent / "data"


def seed_demo_tree() -> None:
    """Load ``data/demo_localities.csv`` (marked ``is_demo``); running it again changes nothing."""
    table = read_table(DATA_DIR / "demo_localities.csv", "demo_localities.csv", localities.IMPORT_COLUMNS)
    report = localities.import_localities(table, demo=True)
    if not report.ok:
        raise click.ClickException("demo locality file is invalid: " + "; ".join(map(str, report.errors)))
