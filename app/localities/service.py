"""The administrative tree: subtree queries, the drill-down picker and the bulk import.

Subtree membership is always the range condition of ``subtree_clause`` on the indexed materialized
path; nothing walks the tree in Python to answer "is X inside Y".
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, insert, or_, select, update

from app.core.extensions import db
from app.core.tabular import ImportReport, Table
from app.core.text import collation_key, fold
from app.core.types import local_today
from app.core.urls import int32_or_none
from app.localities.models import Locality

CODE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,20}$")
IMPORT_COLUMNS = ["code", "name", "type", "parent_code"]
OPTIONAL_COLUMNS = ["population", "headcount", "dissolved_on"]


def path_for(parent_path: str | None, code: str) -> str:
    """The materialized path of a unit with ``code`` under a parent with ``parent_path``."""
    return f"{parent_path or '/'}{code}/"


def subtree_clause(path_column, path: str) -> ColumnElement[bool]:
    """SQL condition: ``path_column`` is ``path`` or below it.

    Paths end with "/", and "0" is the character after "/", so every descendant's path sorts in
    ``[path, path[:-1] + "0")``: a plain index range scan on both SQLite and PostgreSQL.
    """
    return and_(path_column >= path, path_column < path[:-1] + "0")


def any_subtree_clause(path_column, paths: Iterable[str]) -> ColumnElement[bool]:
    """SQL condition: inside any of the subtrees rooted at ``paths``."""
    clauses = [subtree_clause(path_column, p) for p in paths]
    if not clauses:
        return path_column.is_(None) & path_column.is_not(None)  # always false
    return or_(*clauses)


def get_by_code(code: str) -> Locality | None:
    return db.session.scalar(select(Locality).where(Locality.code == code))


def ancestors(locality: Locality) -> list[Locality]:
    """The chain from the root down to ``locality`` (inclusive), read in one query."""
    codes = [c for c in locality.path.split("/") if c]
    rows = db.session.scalars(select(Locality).where(Locality.code.in_(codes))).all()
    return sorted(rows, key=lambda loc: loc.depth)


def path_labels(localities: Iterable[Locality]) -> dict[int, str]:
    """Each unit's name with its parents, nearest first, for tables a department files:
    "Ấp 2, Xã Tân Tiến, Huyện Bù Đốp" (the root of the tree, the province, is left out; a root is
    its own label). All the parents of all ``localities`` are read in one query.
    """
    units = {loc.id: loc for loc in localities if loc is not None}
    codes = {c for loc in units.values() for c in loc.path.split("/") if c}
    by_code = {loc.code: loc for loc in db.session.scalars(select(Locality).where(Locality.code.in_(codes)))} \
        if codes else {}
    labels = {}
    for loc in units.values():
        chain = [by_code.get(c) for c in loc.path.split("/") if c]
        names = [p.label for p in reversed(chain) if p is not None and p.depth > 0]
        labels[loc.id] = ", ".join(names) or loc.label
    return labels


def distinct_labels(units: list[dict]) -> dict[int, str]:
    """``{id: label}`` for units shown together (dicts with id, code, type, name and optionally
    ``parents``, their parent path): "Xã Tân Tiến"; where a label repeats among them, the parents
    are added ("Ấp 1 — Xã Tân Tiến, Tỉnh Đồng Nai"), then the code if it still repeats
    ("Ấp 1 (2531801)"). A table never shows two units under one name."""
    labels = {u["id"]: f"{u['type']} {u['name']}" for u in units}
    counts = Counter(labels.values())
    for u in units:
        if counts[labels[u["id"]]] > 1 and u.get("parents"):
            labels[u["id"]] = f"{labels[u['id']]} — {u['parents']}"
    counts = Counter(labels.values())
    return {u["id"]: f"{labels[u['id']]} ({u['code']})" if counts[labels[u["id"]]] > 1 else labels[u["id"]]
            for u in units}


def path_label(locality: Locality | None) -> str:
    """``path_labels`` of one unit ("" for none)."""
    return path_labels([locality]).get(locality.id, "") if locality is not None else ""


def children(parent: Locality | None, on: date | None = None) -> list[Locality]:
    """Units directly under ``parent`` (roots when None) that still exist on ``on`` (today), in
    Vietnamese order of their names."""
    on = on or local_today()
    query = select(Locality).where(
        Locality.parent_id == parent.id if parent else Locality.parent_id.is_(None),
        or_(Locality.dissolved_on.is_(None), Locality.dissolved_on > on),
    )
    # Vietnamese order ("Đồng Xoài" after "Dương", not after "Z"), numbers as numbers ("Ấp 2" < "Ấp 10").
    return sorted(db.session.scalars(query), key=lambda loc: (collation_key(loc.name), loc.code))


def search(term: str, within: Locality | None = None, limit: int = 20) -> list[Locality]:
    """Units whose name contains ``term``, ignoring accents, optionally inside a subtree."""
    query = select(Locality).where(Locality.search_name.contains(fold(term), autoescape=True))
    if within is not None:
        query = query.where(subtree_clause(Locality.path, within.path))
    return list(db.session.scalars(query.order_by(Locality.depth, Locality.name).limit(limit)))


# --- the drill-down picker ------------------------------------------------------------------

def picker_levels(selected: Locality | None, root: Locality | None = None) -> list[dict]:
    """Levels of the drill-down picker: one select per level of the chosen chain plus its children.

    Each level is ``{"options": [...], "selected": id or None}``. ``root`` limits the picker to a
    subtree (a helper picks within their village).
    """
    chain = ancestors(selected) if selected else []
    if root is not None:
        chain = [loc for loc in chain if loc.depth >= root.depth]
    levels = []
    parent = root.parent if root is not None else None
    start_options = [root] if root is not None else children(None)
    levels.append({"options": start_options, "selected": chain[0].id if chain else None})
    for loc in chain:
        parent = loc
        kids = children(parent)
        if not kids:
            break
        nxt = next((c for c in chain if c.parent_id == loc.id), None)
        levels.append({"options": kids, "selected": nxt.id if nxt else None})
    return levels


def resolve_picked(values: list[str]) -> Locality | None:
    """The deepest unit chosen in the picker's selects (``loc`` values, in level order)."""
    for raw in reversed(values):
        number = int32_or_none(raw)
        if number is not None:
            return db.session.get(Locality, number)
    return None


# --- import ----------------------------------------------------------------------------------

def _int_or_error(report: ImportReport, line: int, column: str, raw: str) -> int | None:
    if not raw:
        return None
    try:
        value = int(float(raw)) if re.fullmatch(r"\d+(\.0+)?", raw) else int(raw)
    except ValueError:
        report.add(line, _("must be a whole number"), column)
        return None
    if value < 0:
        report.add(line, _("must not be negative"), column)
        return None
    return value


def validate_locality_rows(table: Table) -> tuple[ImportReport, dict[str, dict]]:
    """Check every row of a locality table; returns the report and the clean rows by code."""
    report = ImportReport(rows=len(table.rows))
    clean: dict[str, dict[str, Any]] = {}
    lines: dict[str, int] = {}
    for line, row in table.rows:
        code = row.get("code", "")
        name = row.get("name", "")
        kind = row.get("type", "")
        parent_code = row.get("parent_code", "")
        if row.get("__extra__"):
            report.add(line, _("more cells than header columns"))
        if not code:
            report.add(line, _("code is empty"), "code")
            continue
        if not CODE_RE.match(code):
            report.add(line, _("code must be 1–20 letters or digits"), "code")
            continue
        if code in lines:
            report.add(line, _("duplicate code %(code)s (also on line %(other)s)", code=code,
                               other=lines[code]), "code")
            continue
        lines[code] = line
        if not name:
            report.add(line, _("name is empty"), "name")
        elif len(name) > 120:
            report.add(line, _("name is longer than %(n)s characters", n=120), "name")
        if not kind:
            report.add(line, _("type is empty"), "type")
        elif len(kind) > 40:
            report.add(line, _("type is longer than %(n)s characters", n=40), "type")
        if parent_code and not CODE_RE.match(parent_code):
            report.add(line, _("parent code is not a valid code"), "parent_code")
        if parent_code == code:
            report.add(line, _("a unit cannot be its own parent"), "parent_code")
        dissolved = None
        if row.get("dissolved_on"):
            try:
                dissolved = date.fromisoformat(row["dissolved_on"][:10])
            except ValueError:
                report.add(line, _("date must be YYYY-MM-DD"), "dissolved_on")
        clean[code] = {
            "code": code, "name": name, "type": kind, "parent_code": parent_code or None,
            "population": _int_or_error(report, line, "population", row.get("population", "")),
            "headcount": _int_or_error(report, line, "headcount", row.get("headcount", "")),
            "dissolved_on": dissolved, "line": line,
        }
    existing = dict(db.session.execute(select(Locality.code, Locality.parent_id)).tuples().all())
    id_to_code = dict(db.session.execute(select(Locality.id, Locality.code)).tuples().all())
    parent_of: dict[str, str | None] = {
        code: id_to_code.get(pid) if pid else None for code, pid in existing.items()
    }
    for code, unit in clean.items():
        parent = unit["parent_code"]
        if parent and parent not in clean and parent not in existing:
            report.add(unit["line"], _("unknown parent code %(code)s", code=parent), "parent_code")
        parent_of[code] = parent
    # Cycle check over the tree as it would be after the import.
    state: dict[str, int] = {}
    for start in clean:
        trail = []
        node: str | None = start
        while node is not None and state.get(node, 0) == 0:
            state[node] = 1
            trail.append(node)
            node = parent_of.get(node)
        if node is not None and state.get(node) == 1:
            report.add(clean[start]["line"] if start in clean else 0,
                       _("the parent codes form a cycle through %(code)s", code=node), "parent_code")
        for visited in trail:
            state[visited] = 2
    return report, clean


def refresh_path_copies(locality_ids: list[int]) -> None:
    """After units moved in the tree: copy their new paths into the tables that keep a copy of a
    locality's path for subtree queries (contest best results), so a running contest's subtree
    boards follow the move (caller commits)."""
    from app.contests.models import ContestBestResult

    R = ContestBestResult
    for start in range(0, len(locality_ids), 500):
        chunk = locality_ids[start:start + 500]
        db.session.execute(
            update(R)
            .where(R.locality_id.in_(chunk))
            .values(locality_path=select(Locality.path).where(Locality.id == R.locality_id).scalar_subquery())
            .execution_options(synchronize_session=False)
        )


def import_localities(table: Table, progress: Callable[[int], None] | None = None,
                      demo: bool = False) -> ImportReport:
    """Validate then upsert localities by code in the current transaction (caller commits).

    Paths and depths of every unit whose position changed are recomputed afterwards, including
    descendants of a re-parented unit that are not in the file.
    """
    report, clean = validate_locality_rows(table)
    if not report.ok:
        return report
    existing = {
        row.code: row for row in db.session.execute(
            select(Locality.id, Locality.code, Locality.name, Locality.type, Locality.parent_id,
                   Locality.population, Locality.headcount, Locality.dissolved_on)
        )
    }
    inserts, updates = [], []
    for code, row in clean.items():
        values = {
            "name": row["name"], "type": row["type"], "search_name": fold(row["name"]),
            "population": row["population"], "headcount": row["headcount"],
            "dissolved_on": row["dissolved_on"],
        }
        old = existing.get(code)
        if old is None:
            inserts.append({"code": code, "path": f"/{code}/", "depth": 0, "is_demo": demo, **values})
        elif (old.name, old.type, old.population, old.headcount, old.dissolved_on) != (
            row["name"], row["type"], row["population"], row["headcount"], row["dissolved_on"]
        ):
            updates.append({"id": old.id, **values})
            report.updated += 1
        if progress:
            progress(1)
    if inserts:
        db.session.execute(insert(Locality), inserts)
        report.created = len(inserts)
    if updates:
        db.session.execute(update(Locality), updates)
    # Parents, then paths, for the whole tree in memory: ~12k rows for all of Vietnam.
    nodes = {r.code: r for r in db.session.execute(
        select(Locality.id, Locality.code, Locality.parent_id, Locality.path, Locality.depth))}
    id_to_code = {r.id: r.code for r in nodes.values()}
    parent_code = {code: id_to_code.get(r.parent_id) for code, r in nodes.items()}
    moved = []
    for code, row in clean.items():
        if parent_code.get(code) != row["parent_code"]:
            parent_code[code] = row["parent_code"]
            moved.append(code)
    paths: dict[str, str] = {}

    def compute(code: str) -> str:
        stack = []
        node = code
        while node not in paths:
            stack.append(node)
            parent = parent_code.get(node)
            if parent is None:
                break
            node = parent
        base = paths.get(node, "/") if node in paths else "/"
        for item in reversed(stack):
            base = f"{base}{item}/"
            paths[item] = base
        return paths[code]

    changed = []
    moved_set = set(moved)
    for code, r in nodes.items():
        new_path = compute(code)
        depth = new_path.count("/") - 2
        parent = parent_code[code]
        new_parent_id = nodes[parent].id if parent else None
        if new_path != r.path or depth != r.depth or code in moved_set:
            changed.append({"id": r.id, "path": new_path, "depth": depth, "parent_id": new_parent_id})
    if changed:
        db.session.execute(update(Locality), changed)
        refresh_path_copies([c["id"] for c in changed])
    report.unchanged = len(clean) - report.created - report.updated
    return report
