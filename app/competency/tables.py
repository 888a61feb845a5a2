"""The dashboard's tables as (header, rows): shown on the page and exported to XLSX/CSV.

Every figure column is an indicator of the registry (app.competency.indicators), headed by its
name; a share's cell is a ``Measure`` that the page shows as "26 / 247 người (10,5%)" and
``for_export`` spreads over three columns (numerator, denominator, percent) so that a spreadsheet
gets numbers. Units are identified by their code, and a name that repeats in a table is followed
by its parent path ("Ấp 1 — Xã Tân Tiến, Tỉnh Đồng Nai").
"""

from __future__ import annotations

from flask_babel import gettext as _

from app.competency import indicators
from app.competency.framework import get_framework
from app.competency.indicators import Measure
from app.core.text import collation_key
from app.localities import service as localities

# The columns of the table of units below, in order (indicator keys); "name" is the unit.
COLUMNS = (
    "registered_people",
    "learner_share",
    "lessons_completed",
    "level3_share",
    "training_compliance",
    "contest_participation_registered",
    "assisted_sessions",
)
SORTABLE = ("name", *COLUMNS)
RATE_METRICS = tuple(k for k in COLUMNS if indicators.get(k).is_share)


def metric_labels() -> dict[str, str]:
    """Column and option names: each indicator's registry name in the UI's language."""
    return {"name": _("Unit"), **{k: indicators.get(k).name() for k in COLUMNS}}


def unit_labels(units: list[dict]) -> dict[int, str]:
    """``{id: label}`` of table rows, never two units under one name (``distinct_labels``)."""
    return localities.distinct_labels(units)


def child_rows(
    children: list[dict], sort: str, descending: bool, metric: str, threshold: float
) -> list[dict]:
    """Children with their measures, sorted, each flagged ``lagging`` when ``metric`` < ``threshold``.

    Names sort in Vietnamese order (``collation_key``), figures by value.
    """
    labels = unit_labels(children)
    rows = []
    for child in children:
        measures = indicators.measure_all(child, COLUMNS)
        value = measures[metric].value
        rows.append({**child, "label": labels[child["id"]], "measures": measures,
                     "lagging": value is not None and value < threshold})
    if sort == "name":
        rows.sort(key=lambda r: (collation_key(r["name"]), r["code"]), reverse=descending)
    else:
        rows.sort(key=lambda r: (r["measures"][sort].sort_value(), collation_key(r["name"]), r["code"]),
                  reverse=descending)
    return rows


def children_table(rows: list[dict], metric: str) -> tuple[list[str], list[list]]:
    labels = metric_labels()
    header = [_("Code"), labels["name"], *[labels[c] for c in COLUMNS],
              _("Lagging (%(metric)s)", metric=labels[metric])]
    body = [
        [r["code"], r["label"], *[r["measures"][c] for c in COLUMNS], _("yes") if r["lagging"] else ""]
        for r in rows
    ]
    return header, body


def levels_table(totals: dict) -> tuple[list[str], list[list]]:
    header = [_("Level"), _("Citizens at the level, out of registered citizens")]
    body = []
    for n in range(9):
        measure = indicators.get(f"level_{n}_share").measure(totals)
        body.append([str(n) if n else _("not assessed"), measure])
    return header, body


def areas_table(children: list[dict], means: dict[int, dict[str, float]]) -> tuple[list[str], list[list]]:
    """Mean area level per unit (``area_mean_level``, 0–8, two decimals)."""
    areas = get_framework().areas
    header = [_("Code"), _("Unit"), *[f"{a.code}. {a.name()}" for a in areas]]
    body = [
        [c["code"], c.get("label") or f"{c['type']} {c['name']}", *[means.get(c["id"], {}).get(a.code, "") for a in areas]]
        for c in children
    ]
    return header, body


def weeks_table(weeks: list[dict]) -> tuple[list[str], list[list]]:
    header = [_("Week starting"), indicators.get("lessons_completed").name(),
              indicators.get("active_learners_week").name(), indicators.get("assisted_sessions").name()]
    body = [
        [w["week_start"], w["lessons_completed"], w["active_learners"], w["assisted_sessions"]]
        for w in weeks
    ]
    return header, body


def for_export(table: tuple[list[str], list[list]]) -> tuple[list[str], list[list]]:
    """The table with each ``Measure`` column spread into numbers: a share into numerator,
    denominator and percent columns (named after the indicator), a count into its number."""
    header, body = table
    if not body:
        return header, body
    out_header: list[str] = []
    kinds = []
    for i, name in enumerate(header):
        sample = next((row[i] for row in body if isinstance(row[i], Measure)), None)
        if sample is not None and sample.indicator.denominator:
            ind = sample.indicator
            unit = ind.unit_name()
            numerator, denominator = _("numerator"), _("denominator")
            out_header += [f"{name}: {numerator} ({unit})", f"{name}: {denominator} ({unit})",
                           f"{name} (%)" if ind.is_share else name]
            kinds.append("ratio")
        else:
            out_header.append(name)
            kinds.append("plain")
    out_body = []
    for row in body:
        cells: list = []
        for kind, cell in zip(kinds, row, strict=True):
            if kind == "ratio":
                cells += [cell.numerator, cell.denominator, "" if cell.value is None else cell.value]
            elif isinstance(cell, Measure):
                cells.append(cell.numerator)
            else:
                cells.append(cell)
        out_body.append(cells)
    return out_header, out_body
