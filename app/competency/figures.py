"""A unit's figures on a date, and who may read them: what the dashboard and the indicators API
both show (``unit_figures``; the API test compares the two), and the scope rule for dates before a
reorganization (``may_read``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from app.accounts.scope import in_scope, scope_paths
from app.competency import reports
from app.competency.indicators import Measure, measure_all
from app.core.extensions import db
from app.localities.models import Locality, LocalityHistory, place_label
from app.localities.service import subtree_clause


@dataclass
class UnitFigures:
    """A unit's indicators and its children's on a date, in the tree of that date."""

    code: str
    name: str
    type: str
    label: str
    on: date | None  # the date asked for (None: today)
    valid_until: date | None  # figures frozen before this reorganization date, else current ones
    as_of: datetime | None  # when the figures shown were computed (None: none kept for that day)
    path: str  # the unit's path in the tree of that date
    totals: dict[str, int]
    measures: dict[str, Measure]
    children: list[dict]  # child_totals rows (code, name, type, figures)
    view: reports.View  # the tree and stored figures read (live, or a kept day; ``missing``)


def unit_figures(locality: Locality, on: date | None) -> UnitFigures | None:
    """The figures of ``locality`` and of its children on ``on`` (today when None), read by
    ``app.competency.reports`` from the current or the archived tree and figures; None when the
    unit did not exist on that date. The dashboard and the API read this one function."""
    view = reports.view_for(on)
    path, name, kind = locality.path, locality.name, locality.type
    if view.valid_until:
        shown = db.session.get(LocalityHistory, (view.valid_until, locality.id))
        if shown is None:
            return None
        path, name, kind = shown.path, shown.name, shown.type
    elif on is not None and locality.dissolved_on is not None and on >= locality.dissolved_on:  # closed by then
        return None
    totals = reports.unit_totals(path, view)
    children = reports.child_totals(locality.id, view, on)
    return UnitFigures(
        code=locality.code, name=name, type=kind, label=place_label(kind, name), on=on,
        valid_until=view.valid_until, as_of=None if view.missing else view.as_of, path=path, totals=totals,
        measures=measure_all(totals), children=children, view=view,
    )


def may_read(user, roles: tuple[str, ...], locality: Locality, on: date | None) -> bool:
    """Whether ``user`` (holding one of ``roles``) may read ``locality``'s figures on ``on``.

    A unit inside the person's area, as always; and, for a date before a reorganization, a unit
    of that time whose every unit still existing today lies inside the person's area: the leaders
    of the units that took over a closed unit read its past (the manager of Tỉnh Đồng Nai reads
    Tỉnh Bình Phước before 1 July 2025), but not the past of a unit only partly theirs.
    """
    if in_scope(user, roles, locality):
        return True
    view = reports.view_for(on)
    if not view.valid_until:
        return False
    paths = scope_paths(user, roles)
    old = db.session.get(LocalityHistory, (view.valid_until, locality.id))
    if not paths or old is None:
        return False
    surviving = db.session.scalars(
        select(Locality.path)
        .join(LocalityHistory, LocalityHistory.locality_id == Locality.id)
        .where(LocalityHistory.valid_until == view.valid_until, subtree_clause(LocalityHistory.path, old.path),
               Locality.dissolved_on.is_(None))
    ).all()
    return bool(surviving) and all(any(path.startswith(p) for p in paths) for path in surviving)
