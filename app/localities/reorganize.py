"""Administrative reorganization (e.g. 1 July 2025): new units, merges, splits, closed units.

``NEW_LIST`` has the locality import's columns (code,name,type,parent_code): every unit of the
reorganized levels that exists from the date. ``MAPPING`` has ``old_code,new_code[,share]``; an old
unit split between several new ones appears once per new unit, ``share`` (0–1) saying which part of
its people goes where. The design (docs/competency.md, "Reorganization"):

- The reorganized levels are those down to the deepest old unit named in the mapping. Every unit
  there that is absent from the new list is closed (``dissolved_on`` = the date) and keeps its row,
  code and path, so its history stays addressable. A new unit whose code already exists *is* that
  unit (renamed, re-parented, reopened); other codes are created.
- Units below those levels (villages) live on: they move under the new unit their parent maps to
  (the row with the largest share, else the first); people living there stay where they are.
- People of a closed unit move to its new unit; for a split unit with shares they are dealt out by
  share in id order; without shares they are flagged (``PendingPlacement``) for a manager of one of
  the new units to place. Workplace units move like villages.
- Role grants over a closed unit mapped to one new unit move to that unit (dropped if the person
  already holds the role there); grants over split or unmapped closed units (a removed district)
  stay and are listed in the summary for an administrator to re-grant.
- Before anything changes the figures are refreshed and frozen with the tree of the time
  (``reports.archive_reports``), so reports for dates before the reorganization keep the old names
  and tree; afterwards the figures are refreshed for the new tree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, func, insert, select, update

from app.accounts.models import RoleGrant, User, WorkplaceUnit
from app.accounts.scope import scope_filter
from app.competency import reports
from app.core.extensions import db
from app.core.tabular import ImportReport, Table, TableError, read_table
from app.core.text import fold
from app.core.types import utcnow
from app.localities.models import Locality, PendingPlacement, PlacementCandidate
from app.localities.service import CODE_RE, IMPORT_COLUMNS, refresh_path_copies

MAPPING_COLUMNS = ["old_code", "new_code"]
STEPS = 6


class ReorganizeError(ValueError):
    pass


@dataclass
class Plan:
    new_list: Table
    mapping: Table
    # Filled by validate_plan.
    units: dict[str, dict] = field(default_factory=dict)
    targets: dict[str, list[tuple[str, float | None]]] = field(default_factory=dict)


@dataclass
class Summary:
    kept: int = 0
    created: int = 0
    closed: int = 0
    reparented_below: int = 0
    people_moved: int = 0
    people_flagged: int = 0
    workplaces_moved: int = 0
    grants_moved: int = 0
    grants_merged: int = 0
    grants_flagged: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        flagged = [f"  {line}" for line in self.grants_flagged[:200]]
        if len(self.grants_flagged) > 200:
            flagged.append(f"  … {len(self.grants_flagged) - 200} more")
        return [
            f"Units kept (renamed/re-parented): {self.kept}",
            f"Units created: {self.created}",
            f"Units closed: {self.closed}",
            f"Units below the reorganized levels moved: {self.reparented_below}",
            f"People moved: {self.people_moved}",
            f"People of split units waiting for a manager: {self.people_flagged}",
            f"Workplace units moved: {self.workplaces_moved}",
            f"Role grants moved to the new unit: {self.grants_moved}",
            f"Role grants already held on the new unit (old one removed): {self.grants_merged}",
            f"Role grants on closed units left for an administrator: {len(self.grants_flagged)}",
            *flagged,
        ]


def load_plan(new_list: str | Path, mapping: str | Path) -> Plan:
    """Read both files (CSV or XLSX); raises ReorganizeError when a file is not a table."""
    try:
        return Plan(
            read_table(Path(new_list), str(new_list), IMPORT_COLUMNS),
            read_table(Path(mapping), str(mapping), MAPPING_COLUMNS),
        )
    except (TableError, OSError) as exc:
        raise ReorganizeError(str(exc)) from exc


def _existing() -> dict[str, Any]:
    return {
        r.code: r
        for r in db.session.execute(
            select(Locality.id, Locality.code, Locality.parent_id, Locality.depth, Locality.dissolved_on)
        )
    }


def validate_plan(plan: Plan, on: date) -> ImportReport:
    """Check both files against each other and the tree; every problem names its file and line."""
    report = ImportReport(rows=len(plan.new_list.rows) + len(plan.mapping.rows))
    existing = _existing()
    units: dict[str, dict] = {}
    for line, row in plan.new_list.rows:
        code, name, kind = row.get("code", ""), row.get("name", ""), row.get("type", "")
        if not CODE_RE.match(code):
            report.add(line, _("new list: code must be 1–20 letters or digits"), "code")
            continue
        if code in units:
            report.add(
                line,
                _(
                    "new list: duplicate code %(code)s (also on line %(other)s)",
                    code=code,
                    other=units[code]["line"],
                ),
                "code",
            )
            continue
        if not name or len(name) > 120:
            report.add(line, _("new list: name must be 1–120 characters"), "name")
        if not kind or len(kind) > 40:
            report.add(line, _("new list: type must be 1–40 characters"), "type")
        units[code] = {
            "code": code,
            "name": name,
            "type": kind,
            "parent": row.get("parent_code") or None,
            "line": line,
        }
    for code, unit in units.items():
        if unit["parent"] and unit["parent"] not in units:
            report.add(
                unit["line"],
                _(
                    "new list: unit %(code)s has no parent: %(parent)s is not in the new list",
                    code=code,
                    parent=unit["parent"],
                ),
                "parent_code",
            )
    targets: dict[str, list[tuple[str, float | None]]] = defaultdict(list)
    lines_of: dict[str, list[int]] = defaultdict(list)
    seen: dict[tuple[str, str], int] = {}
    for line, row in plan.mapping.rows:
        old, new, raw_share = row.get("old_code", ""), row.get("new_code", ""), row.get("share", "")
        bad = False
        if old not in existing:
            report.add(line, _("mapping: unknown old code %(code)s", code=old[:20]), "old_code")
            bad = True
        if new not in units:
            report.add(
                line, _("mapping: new code %(code)s is not in the new list", code=new[:20]), "new_code"
            )
            bad = True
        if (old, new) in seen:
            report.add(
                line,
                _(
                    "mapping: %(old)s → %(new)s repeated (also on line %(other)s)",
                    old=old,
                    new=new,
                    other=seen[(old, new)],
                ),
            )
            bad = True
        share = None
        if raw_share:
            try:
                share = float(raw_share)
                if not 0 < share <= 1:
                    raise ValueError
            except ValueError:
                report.add(line, _("mapping: share must be a number above 0 and at most 1"), "share")
                bad = True
        if not bad:
            seen[(old, new)] = line
            targets[old].append((new, share))
            lines_of[old].append(line)
    for old, rows in targets.items():
        shares = [s for _n, s in rows]
        if len(rows) > 1 and any(s is not None for s in shares):
            if any(s is None for s in shares):
                report.add(
                    lines_of[old][0],
                    _("mapping: %(code)s is split; give a share on every line or none", code=old),
                    "share",
                )
            elif abs(sum(s for s in shares if s is not None) - 1) > 0.01:
                report.add(
                    lines_of[old][0],
                    _(
                        "mapping: the shares of %(code)s add up to %(sum)s, not 1",
                        code=old,
                        sum=round(sum(s for s in shares if s is not None), 3),
                    ),
                    "share",
                )
    plan.units, plan.targets = units, dict(targets)
    if plan.targets:
        closing = _closing(plan, existing)
        people = (
            dict(
                db.session.execute(
                    select(User.locality_id, func.count())
                    .where(User.locality_id.in_([existing[c].id for c in closing]))
                    .group_by(User.locality_id)
                ).tuples().all()
            )
            if closing
            else {}
        )
        for code in sorted(closing):
            count = people.get(existing[code].id, 0)
            if count and code not in targets:
                report.add(
                    0,
                    _(
                        "unit %(code)s has %(n)s people but is mapped nowhere and would close",
                        code=code,
                        n=count,
                    ),
                    "old_code",
                )
    return report


def _closing(plan: Plan, existing: dict[str, Any]) -> set[str]:
    """Codes of the active units of the reorganized levels that are absent from the new list."""
    if not plan.targets:
        return set()
    deepest = max(existing[c].depth for c in plan.targets)
    return {
        code
        for code, r in existing.items()
        if r.dissolved_on is None and r.depth <= deepest and code not in plan.units
    }


def _main_target(rows: list[tuple[str, float | None]]) -> str:
    return max(enumerate(rows), key=lambda item: (item[1][1] or 0, -item[0]))[1][0]


def apply_plan(plan: Plan, on: date, progress: Callable[[int], None] | None = None) -> Summary:
    """Apply a validated plan in the current transaction (caller commits). See the module docstring."""
    tick = progress or (lambda _n: None)
    summary = Summary()
    reports.refresh_reports(full=True)
    reports.archive_reports(on)
    tick(1)
    existing = _existing()
    closing = _closing(plan, existing)
    kept_updates, inserts = [], []
    for code, unit in plan.units.items():
        values = {
            "name": unit["name"],
            "type": unit["type"],
            "search_name": fold(unit["name"]),
            "dissolved_on": None,
        }
        if code in existing:
            kept_updates.append({"id": existing[code].id, **values})
        else:
            inserts.append({"code": code, "path": f"/{code}/", "depth": 0, **values})
    if kept_updates:
        db.session.execute(update(Locality), kept_updates)
    if inserts:
        db.session.execute(insert(Locality), inserts)
    summary.kept, summary.created = len(kept_updates), len(inserts)
    tick(1)
    ids = dict(db.session.execute(select(Locality.code, Locality.id)).tuples().all())
    id_to_code = {v: k for k, v in ids.items()}
    # Parent of every unit that lives on, by code; closed units keep their old parent and path.
    parent: dict[str, str | None] = {}
    for code, unit in plan.units.items():
        parent[code] = unit["parent"]
    main_target = {old: _main_target(rows) for old, rows in plan.targets.items()}
    closed_below: set[str] = set()
    rows = db.session.execute(
        select(Locality.code, Locality.parent_id, Locality.depth)
        .where(Locality.dissolved_on.is_(None))
        .order_by(Locality.depth)
    ).all()
    for code, parent_id, _depth in rows:
        if code in plan.units or code in closing:
            continue
        old_parent = id_to_code.get(parent_id)
        if old_parent in closing or old_parent in closed_below:
            if old_parent in main_target:
                parent[code] = main_target[old_parent]
                summary.reparented_below += 1
            else:
                closed_below.add(code)
        else:
            parent[code] = old_parent
    all_closing = closing | closed_below
    if all_closing:
        db.session.execute(update(Locality).where(Locality.code.in_(all_closing)).values(dissolved_on=on))
    summary.closed = len(all_closing)
    tick(1)
    paths: dict[str, str] = {}

    def path_of(code: str) -> str:
        chain = []
        node: str | None = code
        while node is not None and node not in paths:
            chain.append(node)
            node = parent.get(node)
        base = paths[node] if node is not None else "/"
        for item in reversed(chain):
            base = f"{base}{item}/"
            paths[item] = base
        return paths[code]

    db.session.execute(
        update(Locality),
        [
            {
                "id": ids[code],
                "path": path_of(code),
                "depth": path_of(code).count("/") - 2,
                "parent_id": ids[parent_code] if parent_code else None,
            }
            for code, parent_code in parent.items()
        ],
    )
    refresh_path_copies([ids[code] for code in parent])
    tick(1)
    summary.people_moved, summary.people_flagged = _move_people(plan, closing, ids, on)
    summary.workplaces_moved = _move_workplaces(main_target, closing, ids)
    summary.grants_moved, summary.grants_merged, summary.grants_flagged = _move_grants(plan, closing, ids)
    tick(1)
    db.session.flush()
    reports.refresh_reports(full=True)
    tick(1)
    return summary


def _move_people(plan: Plan, closing: set[str], ids: dict[str, int], on: date) -> tuple[int, int]:
    single = [
        {"old": ids[old], "new": ids[rows[0][0]]}
        for old, rows in plan.targets.items()
        if old in closing and len(rows) == 1
    ]
    moved = 0
    if single:
        counts = dict(
            db.session.execute(
                select(User.locality_id, func.count())
                .where(User.locality_id.in_([p["old"] for p in single]))
                .group_by(User.locality_id)
            ).tuples().all()
        )
        moved = sum(counts.values())
        stmt = (
            update(User.__table__)
            .where(User.__table__.c.locality_id == bindparam("old"))
            .values(locality_id=bindparam("new"))
        )
        db.session.execute(stmt, single)
    flagged = 0
    for old, rows in plan.targets.items():
        if old not in closing or len(rows) == 1:
            continue
        people = list(
            db.session.scalars(select(User.id).where(User.locality_id == ids[old]).order_by(User.id))
        )
        if not people:
            continue
        if all(share is not None for _n, share in rows):
            start, cumulative = 0, 0.0
            for index, (new, share) in enumerate(rows):
                cumulative += share or 0.0
                end = len(people) if index == len(rows) - 1 else round(cumulative * len(people))
                chunk = people[start:end]
                if chunk:
                    db.session.execute(update(User).where(User.id.in_(chunk)).values(locality_id=ids[new]))
                moved += len(chunk)
                start = end
            continue
        for user_id in people:
            pending = PendingPlacement(user_id=user_id, old_locality_id=ids[old], effective_on=on)
            db.session.add(pending)
            db.session.flush()
            db.session.execute(
                insert(PlacementCandidate),
                [{"placement_id": pending.id, "locality_id": ids[new]} for new, _s in rows],
            )
            flagged += 1
    return moved, flagged


def _move_workplaces(main_target: dict[str, str], closing: set[str], ids: dict[str, int]) -> int:
    params = [{"old": ids[old], "new": ids[new]} for old, new in main_target.items() if old in closing]
    if not params:
        return 0
    count = db.session.scalar(
        select(func.count())
        .select_from(WorkplaceUnit)
        .where(WorkplaceUnit.locality_id.in_([p["old"] for p in params]))
    )
    table = WorkplaceUnit.__table__
    db.session.execute(
        update(table).where(table.c.locality_id == bindparam("old")).values(locality_id=bindparam("new")),
        params,
    )
    return count or 0


def _move_grants(plan: Plan, closing: set[str], ids: dict[str, int]) -> tuple[int, int, list[str]]:
    """Role grants (helper, organizer, manager) over closed units: a unit mapped to one new unit
    hands its grants to that unit (a grant the person already holds there is simply dropped); a
    split unit, or a closed unit mapped nowhere (e.g. a removed district), keeps its grants, which
    are listed for an administrator to re-grant: moving them would widen or guess someone's area."""
    closed_ids = {ids[code]: code for code in closing if code in ids}
    if not closed_ids:
        return 0, 0, []
    grants = db.session.execute(
        select(RoleGrant.id, RoleGrant.user_id, RoleGrant.role, RoleGrant.locality_id)
        .where(RoleGrant.locality_id.in_(list(closed_ids)))
        .order_by(RoleGrant.id)
    ).all()
    if not grants:
        return 0, 0, []
    held = {
        (r.user_id, r.role, r.locality_id)
        for r in db.session.execute(
            select(RoleGrant.user_id, RoleGrant.role, RoleGrant.locality_id).where(
                RoleGrant.user_id.in_({g.user_id for g in grants})
            )
        )
    }
    logins = {
        u.id: u.login
        for u in db.session.scalars(select(User).where(User.id.in_({g.user_id for g in grants})))
    }
    moves, drops, flagged = [], [], []
    for grant in grants:
        old = closed_ids[grant.locality_id]
        rows = plan.targets.get(old, [])
        if len(rows) != 1:
            where = ", ".join(new for new, _s in rows) or "no new unit"
            flagged.append(f"{logins.get(grant.user_id)} {grant.role} {old} (→ {where})")
            continue
        target = ids[rows[0][0]]
        if (grant.user_id, grant.role, target) in held:
            drops.append(grant.id)
            continue
        held.add((grant.user_id, grant.role, target))
        moves.append({"grant_id": grant.id, "new": target})
    if drops:
        db.session.execute(delete(RoleGrant).where(RoleGrant.id.in_(drops)))
    if moves:
        table = RoleGrant.__table__
        db.session.execute(
            update(table).where(table.c.id == bindparam("grant_id")).values(locality_id=bindparam("new")),
            moves,
        )
    return len(moves), len(drops), flagged


# --- placing the people of split units ------------------------------------------------------------


def pending_in_scope(manager: User) -> list[tuple[PendingPlacement, list[Locality]]]:
    """Unresolved placements with at least one candidate unit in the manager's area, with the
    candidates the manager may choose."""
    candidate_rows = db.session.execute(
        select(PlacementCandidate.placement_id, Locality)
        .join(Locality, Locality.id == PlacementCandidate.locality_id)
        .join(PendingPlacement, PendingPlacement.id == PlacementCandidate.placement_id)
        .where(PendingPlacement.resolved_at.is_(None), scope_filter(manager, ("manager",), Locality.path))
        .order_by(PendingPlacement.id, Locality.name)
    ).all()
    by_placement: dict[int, list[Locality]] = defaultdict(list)
    for placement_id, locality in candidate_rows:
        by_placement[placement_id].append(locality)
    if not by_placement:
        return []
    placements = db.session.scalars(
        select(PendingPlacement).where(PendingPlacement.id.in_(by_placement)).order_by(PendingPlacement.id)
    )
    return [(p, by_placement[p.id]) for p in placements]


def place_person(placement_id: int | None, target: Locality, actor: User) -> None:
    """Move a flagged person into ``target``, which must be one of their candidate units."""
    pending = db.session.get(PendingPlacement, placement_id) if placement_id else None
    if pending is None or pending.resolved_at is not None:
        raise ReorganizeError(_("This person has already been placed."))
    allowed = db.session.scalar(
        select(PlacementCandidate).where(
            PlacementCandidate.placement_id == pending.id, PlacementCandidate.locality_id == target.id
        )
    )
    if allowed is None:
        raise ReorganizeError(_("The person's old unit was not split into this unit."))
    pending.user.locality_id = target.id
    pending.resolved_at = utcnow()
    pending.resolved_by_id = actor.id
