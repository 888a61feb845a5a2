"""The dashboard's tables as (header, rows): shown on the page and exported to XLSX/CSV unchanged."""

from __future__ import annotations

from flask_babel import gettext as _

from app.competency import reports
from app.competency.framework import get_framework

SORTABLE = (
    "name",
    "citizens",
    "learners",
    "learner_rate",
    "lessons_completed",
    "level3_rate",
    "compliance_rate",
    "participation_rate",
    "assisted_sessions",
)
RATE_METRICS = ("learner_rate", "level3_rate", "compliance_rate", "participation_rate")


def metric_labels() -> dict[str, str]:
    return {
        "name": _("Unit"),
        "citizens": _("Citizens"),
        "learners": _("Learners"),
        "learner_rate": _("Learners (%)"),
        "lessons_completed": _("Lessons completed"),
        "level3_rate": _("Citizens at level 3+ (%)"),
        "compliance_rate": _("Training compliance (%)"),
        "participation_rate": _("Contest participation (%)"),
        "assisted_sessions": _("Assisted sessions"),
    }


def child_rows(
    children: list[dict], sort: str, descending: bool, metric: str, threshold: float
) -> list[dict]:
    """Children with their rates, sorted, each flagged ``lagging`` when ``metric`` < ``threshold``."""
    rows = []
    for child in children:
        row = {**child, **reports.rates(child)}
        row["lagging"] = row[metric] < threshold
        rows.append(row)
    key = (lambda r: r["name"].lower()) if sort == "name" else (lambda r: r[sort])
    return sorted(rows, key=key, reverse=descending)


def children_table(rows: list[dict], metric: str) -> tuple[list[str], list[list]]:
    labels = metric_labels()
    header = [_("Code"), *[labels[c] for c in SORTABLE], _("Lagging (%(metric)s)", metric=labels[metric])]
    body = [
        [
            r["code"],
            f"{r['type']} {r['name']}",
            *[r[c] for c in SORTABLE[1:]],
            _("yes") if r["lagging"] else "",
        ]
        for r in rows
    ]
    return header, body


def levels_table(totals: dict) -> tuple[list[str], list[list]]:
    header = [_("Level"), _("Citizens"), _("Share (%)")]
    body = [
        [
            n if n else _("not assessed"),
            totals[f"level_{n}"],
            reports.pct(totals[f"level_{n}"], totals["citizens"]),
        ]
        for n in range(9)
    ]
    return header, body


def areas_table(children: list[dict], means: dict[int, dict[str, float]]) -> tuple[list[str], list[list]]:
    areas = get_framework().areas
    header = [_("Unit"), *[f"{a.code}. {a.name()}" for a in areas]]
    body = [
        [f"{c['type']} {c['name']}", *[means.get(c["id"], {}).get(a.code, "") for a in areas]]
        for c in children
    ]
    return header, body


def weeks_table(weeks: list[dict]) -> tuple[list[str], list[list]]:
    header = [_("Week starting"), _("Lessons completed"), _("Active learners"), _("Assisted sessions")]
    body = [
        [w["week_start"].isoformat(), w["lessons_completed"], w["active_learners"], w["assisted_sessions"]]
        for w in weeks
    ]
    return header, body
