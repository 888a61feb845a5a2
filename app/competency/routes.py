"""Dashboards, charts, exports and the learner's profile. Figures come from app.competency.reports."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.accounts.scope import ensure_in_scope, role_required, scope_paths
from app.competency import charts, reports, tables
from app.competency import levels as competency
from app.competency.framework import get_framework
from app.core.exports import TableExport, export_response, person_label
from app.core.extensions import db
from app.core.templating import local_date, local_dt
from app.localities import service as localities
from app.localities.models import Locality, LocalityHistory

bp = Blueprint("insights", __name__, template_folder="templates")

LEADERS = ("manager", "organizer")
EXPORTS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@bp.route("/")
@role_required(*LEADERS)
def index():
    """The dashboard of the person's (first) area; admins start at the first root."""
    paths = scope_paths(current_user, LEADERS)
    if paths is None:
        roots = localities.children(None)
        if not roots:
            abort(404)
        return redirect(url_for("insights.unit", code=roots[0].code))
    path = sorted(paths, key=len)[0]
    return redirect(url_for("insights.unit", code=path.strip("/").split("/")[-1]))


def _parse_on() -> date | None:
    raw = request.args.get("on", "")
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400)


def _unit(code: str, scoped: bool = True):
    """The unit (checked in scope), the view (current or archive) and its name/path in that view.

    ``scoped=False`` only for the chart warm-up of ``flask reports refresh`` (no person involved).
    """
    locality = localities.get_by_code(code)
    if scoped:
        locality = ensure_in_scope(locality, *LEADERS)
    elif locality is None:
        abort(404)
    on = _parse_on()
    view = reports.view_for(on)
    if view.valid_until:
        shown = db.session.get(LocalityHistory, (view.valid_until, locality.id))
        if shown is None:
            abort(404)
        return locality, view, shown.path, shown.label, shown.parent_id, on
    return locality, view, locality.path, locality.label, locality.parent_id, on


def _options():
    labels = tables.metric_labels()
    sort = request.args.get("sort", "name")
    sort = sort if sort in tables.SORTABLE else "name"
    descending = request.args.get("dir", "desc" if sort != "name" else "asc") == "desc"
    metric = request.args.get("metric", "learner_rate")
    metric = metric if metric in tables.RATE_METRICS else "learner_rate"
    try:
        threshold = float(request.args.get("threshold", current_app.config["LAGGING_THRESHOLD_PERCENT"]))
    except ValueError:
        threshold = float(current_app.config["LAGGING_THRESHOLD_PERCENT"])
    return labels, sort, descending, metric, min(max(threshold, 0.0), 100.0)


def _data(code: str, scoped: bool = True):
    locality, view, path, label, _parent, on = _unit(code, scoped)
    labels, sort, descending, metric, threshold = _options()
    totals = reports.unit_totals(path, view)
    children = reports.child_totals(locality.id, view, on)
    rows = tables.child_rows(children, sort, descending, metric, threshold)
    return {
        "as_of": as_of_text(view),
        "as_of_short": as_of_short(view),
        "locality": locality,
        "view": view,
        "path": path,
        "label": label,
        "on": on,
        "labels": labels,
        "sort": sort,
        "descending": descending,
        "metric": metric,
        "threshold": threshold,
        "totals": totals,
        "rates": reports.rates(totals),
        "rows": rows,
    }


@bp.route("/unit/<code>")
@role_required(*LEADERS)
def unit(code: str):
    data = _data(code)
    locality = data["locality"]
    means = reports.child_area_levels(locality.id, data["view"], data["on"])
    weeks = reports.weekly_totals(data["path"], view=data["view"])
    chain = [a for a in localities.ancestors(locality) if _visible(a)]
    return render_template(
        "insights/unit.html",
        **data,
        chain=chain,
        children_table=tables.children_table(data["rows"], data["metric"]),
        levels_table=tables.levels_table(data["totals"]),
        areas_table=tables.areas_table(data["rows"], means),
        weeks_table=tables.weeks_table(weeks),
        query=request.args.to_dict(),
        reorganizations=reports_dates(),
    )


def as_of_text(view: reports.View) -> str:
    """What every page, chart and export of the figures says about their date."""
    if view.missing:
        return _("No figures were kept for %(date)s.", date=local_date(view.day))
    if view.as_of is None:
        return _("No figures have been computed yet.")
    return _("Figures as of %(time)s (Asia/Ho_Chi_Minh).", time=local_dt(view.as_of, "short"))


def as_of_short(view: reports.View) -> str:
    """The same, short enough for a chart's title."""
    if view.missing or view.as_of is None:
        return _("no figures")
    return _("as of %(time)s", time=local_dt(view.as_of, "short"))


def reports_dates() -> list[date]:
    return list(
        db.session.scalars(
            select(LocalityHistory.valid_until).distinct().order_by(LocalityHistory.valid_until)
        )
    )


def _visible(locality: Locality) -> bool:
    from app.accounts.scope import in_scope

    return in_scope(current_user, LEADERS, locality)


def _chart(code: str, kind: str, fmt: str, scoped: bool = True) -> charts.Chart:
    data = _data(code, scoped)
    rows = data["rows"]
    names = [r["name"] for r in rows]
    metric_label = data["labels"][data["metric"]]
    dated = f" — {data['as_of']}"
    stamp = f" · {data['as_of_short']}"
    if kind == "bars":
        values = [r[data["metric"]] for r in rows]
        alt = _(
            "Bar chart of %(metric)s for the units of %(unit)s: %(values)s",
            metric=metric_label,
            unit=data["label"],
            values="; ".join(f"{n} {v:g}" for n, v in zip(names, values, strict=True)),
        )
        return charts.bar_chart(names, values, metric_label + stamp, alt + dated, fmt, threshold=data["threshold"])
    if kind == "heatmap":
        means = reports.child_area_levels(data["locality"].id, data["view"], data["on"])
        areas = get_framework().areas
        grid = [[means.get(r["id"], {}).get(a.code) for r in rows] for a in areas]
        alt = _(
            "Heat map of the mean competence level per area (rows) and unit (columns) in %(unit)s; "
            "the numbers are in the table below.",
            unit=data["label"],
        )
        return charts.heatmap(
            [f"{a.code}. {a.name()}"[:28] for a in areas], names, grid, _("Mean level by area") + stamp, alt + dated, fmt
        )
    if kind == "trend":
        weeks = reports.weekly_totals(data["path"], view=data["view"])
        series = {
            _("Lessons completed"): [w["lessons_completed"] for w in weeks],
            _("Active learners"): [w["active_learners"] for w in weeks],
            _("Assisted sessions"): [w["assisted_sessions"] for w in weeks],
        }
        alt = _(
            "Weekly trend in %(unit)s over %(n)s weeks: lessons completed %(values)s",
            unit=data["label"],
            n=len(weeks),
            values=", ".join(str(w["lessons_completed"]) for w in weeks),
        )
        return charts.trend_lines(
            [w["week_start"].strftime("%d/%m") for w in weeks], series, _("Activity by week") + stamp, alt + dated, fmt
        )
    abort(404)


@bp.route("/unit/<code>/chart/<kind>.<fmt>")
@role_required(*LEADERS)
def chart(code: str, kind: str, fmt: str):
    if fmt not in charts.FORMATS:
        abort(404)
    drawn = _chart(code, kind, fmt)
    return Response(drawn.data, mimetype=drawn.mimetype, headers={"Cache-Control": "private, max-age=300"})


@bp.route("/unit/<code>/export/<table>.<fmt>")
@role_required(*LEADERS)
def export(code: str, table: str, fmt: str):
    if fmt not in EXPORTS:
        abort(404)
    data = _data(code)
    if table == "children":
        header, body = tables.children_table(data["rows"], data["metric"])
    elif table == "levels":
        header, body = tables.levels_table(data["totals"])
    elif table == "areas":
        header, body = tables.areas_table(
            data["rows"], reports.child_area_levels(data["locality"].id, data["view"], data["on"])
        )
    elif table == "weeks":
        header, body = tables.weeks_table(reports.weekly_totals(data["path"], view=data["view"]))
    else:
        abort(404)
    suffix = f"-{data['on'].isoformat()}" if data["on"] else ""
    titles = {"children": _("Units compared"), "levels": _("Citizens by competency level"),
              "areas": _("Mean level by area"), "weeks": _("Activity by week")}
    context = [(_("Unit"), f"{data['label']} ({code})")]
    if data["on"]:
        context.append((_("On"), data["on"].isoformat()))
    context.append((_("As of"), data["as_of"]))
    return export_response(TableExport(title=titles[table], headers=header, rows=body, context=context,
                                       exported_by=person_label(current_user), filename=f"{table}-{code}{suffix}"),
                           fmt)


# --- the learner's own profile ---------------------------------------------------------------------


@bp.route("/me")
@login_required
def me():
    data = competency.profile_page(current_user.id)
    return render_template("insights/me.html", **data)


@bp.route("/me/radar.<fmt>")
@login_required
def radar(fmt: str):
    if fmt not in charts.FORMATS:
        abort(404)
    data = competency.profile_page(current_user.id)
    drawn = charts.radar(
        [a["code"] for a in data["areas"]],
        [a["level"] for a in data["areas"]],
        _("My level by area"),
        data["radar_alt"],
        fmt,
    )
    return Response(drawn.data, mimetype=drawn.mimetype, headers={"Cache-Control": "private, no-cache"})


@bp.route("/placement", methods=["GET", "POST"])
@login_required
def placement_test():
    """A short test across every area that gives a starting level."""
    if request.method == "POST":
        drawn = [int(i) for i in session.pop("placement", [])]
        if not drawn:
            return redirect(url_for("insights.placement_test"))
        answers = {qid: request.form.get(f"q{qid}", type=int) for qid in drawn}
        result = competency.grade_placement(current_user.id, drawn, answers)
        db.session.commit()
        flash(
            _(
                "Placement test done: %(right)s of %(total)s right. Your starting levels are below.",
                right=result.right,
                total=result.total,
            ),
            "success",
        )
        return redirect(url_for("insights.me"))
    questions = competency.draw_placement()
    session["placement"] = [q.id for q in questions]
    return render_template("insights/placement.html", questions=questions)


def warm_charts(app, codes: list[str], kinds: tuple[str, ...] = ("bars", "heatmap", "trend")) -> int:
    """Draw the default charts of these units in every language so that the first visitor after a
    refresh gets them from the chart cache (Redis, shared by the workers). Returns charts drawn."""
    from flask_babel import force_locale

    drawn = 0
    for code in codes:
        for lang in app.config["LANGUAGES"]:
            for kind in kinds:
                with app.test_request_context(f"/insights/unit/{code}/chart/{kind}.png"), force_locale(lang):
                    _chart(code, kind, "png", scoped=False)
                    drawn += 1
    return drawn
