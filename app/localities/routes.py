"""Pages of the administrative tree: staff browse the units of their area, administrators import
the tree, and managers place the people of split units after a reorganization."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.scope import ensure_in_scope, role_required, scope_filter
from app.core.extensions import db
from app.core.views import import_page
from app.localities import reorganize
from app.localities import service as localities
from app.localities.models import Locality

bp = Blueprint("localities", __name__, template_folder="templates")

STAFF = ("helper", "organizer", "manager")


@bp.get("/admin/localities")
@bp.get("/admin/localities/<code>")
@role_required(*STAFF)
def tree(code: str | None = None):
    """A unit in the staff member's area with its child units and how many people live in each."""
    unit = None
    if code is not None:
        unit = localities.get_by_code(code[:20])
        if unit is None:
            abort(404)
        ensure_in_scope(unit, *STAFF)
        kids = localities.children(unit)
        chain = localities.ancestors(unit)
    else:
        kids = list(db.session.scalars(
            select(Locality).where(scope_filter(current_user, STAFF, Locality.path))
            .where(Locality.depth == select(func.min(Locality.depth)).where(
                scope_filter(current_user, STAFF, Locality.path)).scalar_subquery())
            .order_by(Locality.name)
        ))
        chain = []
    counts = people_counts([k.path for k in kids])
    return render_template("localities/tree.html", unit=unit, kids=kids, chain=chain, counts=counts)


def people_counts(paths: list[str]) -> dict[str, int]:
    """People registered in each subtree, one grouped SQL query."""
    if not paths:
        return {}
    result = {}
    for path in paths:
        result[path] = 0
    rows = db.session.execute(
        select(Locality.path, func.count(User.id))
        .join(User, User.locality_id == Locality.id)
        .where(localities.any_subtree_clause(Locality.path, paths))
        .group_by(Locality.path)
    ).all()
    for path, count in rows:
        for root in paths:
            if path.startswith(root):
                result[root] += count
                break
    return result


@bp.route("/admin/localities/import", methods=["GET", "POST"])
@role_required("admin")
def import_localities():
    """Upload the locality list (code,name,type,parent_code); all rows checked before writing."""
    return import_page(_("Import localities"), localities.IMPORT_COLUMNS, localities.OPTIONAL_COLUMNS,
                        localities.import_localities, "import_localities", "locality")


# --- people of split units waiting to be placed (after a reorganization) --------------------------


@bp.route("/insights/placements", methods=["GET", "POST"])
@role_required("manager")
def placements():
    if request.method == "POST":
        pending_id = request.form.get("placement", type=int)
        target_id = request.form.get("locality", type=int)
        target = ensure_in_scope(db.session.get(Locality, target_id) if target_id else None, "manager")
        try:
            reorganize.place_person(pending_id, target, current_user)
        except reorganize.ReorganizeError as exc:
            flash(str(exc), "error")
            return redirect(url_for("localities.placements"))
        db.session.commit()
        flash(_("Placed."), "success")
        return redirect(url_for("localities.placements"))
    pending = reorganize.pending_in_scope(current_user)
    return render_template("localities/placements.html", pending=pending)
