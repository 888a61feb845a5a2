"""The demo tree of ``flask demo seed``: the demo province as it was, then the 1 July 2025 reorganization.

``data/demo_localities.csv`` is a part of Tỉnh Bình Phước (70) before 1 July 2025: its districts,
two or three real communes of each (real GSO codes) and two made-up villages per commune.
Since 1 July 2025 the province is part of Tỉnh Đồng Nai (75) and districts are gone:
``data/demo_2025_units.csv`` lists the new communes that took over the demo's communes and
``data/demo_2025_mapping.csv`` which old unit went into which new one. They are applied with the
ordinary reorganization (``app.localities.reorganize``), so the old tree stays readable for dates
before the reorganization and today's figures are shown under Đồng Nai's communes.

Sources: the new units' codes and names are those of the General Statistics Office's list of
units after the 2025 reorganization as packaged by ``vietnam-provinces`` 2025.10.1 (PyPI; public
administrative data); which old commune went into which new one follows the conversion table of
``vietnamadminunits`` 1.0.4 (PyPI, MIT licence). Only the demo's communes are included.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from sqlalchemy import update

from app.core.extensions import db
from app.core.tabular import read_table
from app.localities import reorganize
from app.localities import service as localities
from app.localities.models import Locality

DATA_DIR = Path(__file__).parent / "data"
OLD_PROVINCE = "70"
PROVINCE = "75"  # the demo province today
REORGANIZED_ON = date(2025, 7, 1)


def seed_demo_tree() -> None:
    """Load the demo tree as it was before 1 July 2025 (marked ``is_demo``) and apply the
    reorganization of that date; running it again changes nothing."""
    if localities.get_by_code(PROVINCE) is not None:
        return  # already reorganized: reloading the old list would undo the renames
    table = read_table(DATA_DIR / "demo_localities.csv", "demo_localities.csv", localities.IMPORT_COLUMNS)
    report = localities.import_localities(table, demo=True)
    if not report.ok:
        raise click.ClickException("demo locality file is invalid: " + "; ".join(map(str, report.errors)))
    plan = reorganize.load_plan(DATA_DIR / "demo_2025_units.csv", DATA_DIR / "demo_2025_mapping.csv")
    checked = reorganize.validate_plan(plan, REORGANIZED_ON)
    if not checked.ok:
        raise click.ClickException("demo reorganization is invalid: " + "; ".join(map(str, checked.errors)))
    reorganize.apply_plan(plan, REORGANIZED_ON)
    _mark_demo()


def _mark_demo() -> None:
    """The units the reorganization created belong to the demo too."""
    db.session.execute(update(Locality).where(localities.subtree_clause(Locality.path, f"/{PROVINCE}/"))
                       .values(is_demo=True))
