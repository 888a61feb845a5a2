"""Dashboards, charts, exports and the learner's profile. Figures come from app.competency.reports."""

from __future__ import annotations

import datetime as dt
import secrets
from datetime import date, datetime
from typing import Literal

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from pydantic import BaseModel, Field
from sqlalchemy import select

from app.accounts.scope import in_scope, role_required, scope_paths
from app.api import bp as api_bp
from app.api.auth import token_required, token_user
from app.api.openapi import documented
from app.competency import charts, indicators, reports, tables
from app.competency import figures as figures_service
from app.competency import levels as competency
from app.competency.evidence import source_label
from app.competency.framework import get_framework
from app.core import numbers
from app.core.errors import api_error
from app.core.exports import TableExport, export_response, person_label
from app.core.extensions import db
from app.core.templating import local_date, local_dt
from app.core.text import collation_key
from app.core.types import TZ, utcnow
from app.localities import service as localities
from app.localities.models import Locality, LocalityHistory

bp = Blueprint("insights", __name__, template_folder="templates")


@bp.app_template_filter("level_name")
def level_name_filter(level: int) -> str:
    """``{{ 3|level_name }}`` → "Trung cấp 3"; 0 → "Chưa có cấp độ"."""
    return get_framework().level_name(int(level or 0))


@bp.app_template_filter("evidence_source")
def evidence_source_filter(source: str) -> str:
    """``{{ "contest"|evidence_source }}`` → "Cuộc thi"."""
    return source_label(source)

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


def _unit(code: str, scoped: bool = True) -> tuple[Locality, figures_service.UnitFigures]:
    """The unit (checked in scope) and its figures on the report date (404 if it did not exist then).

    ``scoped=False`` only for the chart warm-up of ``flask reports refresh`` (no person involved).
    """
    locality = localities.get_by_code(code)
    on = _parse_on()
    if locality is None or (scoped and not figures_service.may_read(current_user, LEADERS, locality, on)):
        abort(404)
    figures = figures_service.unit_figures(locality, on)
    if figures is None:
        abort(404)
    return locality, figures


def _options():
    labels = tables.metric_labels()
    sort = request.args.get("sort", "name")
    sort = sort if sort in tables.SORTABLE else "name"
    descending = request.args.get("dir", "desc" if sort != "name" else "asc") == "desc"
    metric = request.args.get("metric", "learner_share")
    metric = metric if metric in tables.RATE_METRICS else "learner_share"
    try:
        threshold = float(request.args.get("threshold", current_app.config["LAGGING_THRESHOLD_PERCENT"]))
    except ValueError:
        threshold = float(current_app.config["LAGGING_THRESHOLD_PERCENT"])
    return labels, sort, descending, metric, min(max(threshold, 0.0), 100.0)


# The query parameters a unit's page reads and passes on to its links, charts and exports.
QUERY_PARAMETERS = ("on", "sort", "dir", "metric", "threshold")


def _known_query() -> dict[str, str]:
    """The page's own query parameters: any other (``code``, ``fmt``, ``_external``...) would
    clash with ``url_for``'s arguments when passed on to the links (a 500)."""
    return {name: request.args[name][:40] for name in QUERY_PARAMETERS if name in request.args}


def _data(code: str, scoped: bool = True):
    locality, figures = _unit(code, scoped)
    labels, sort, descending, metric, threshold = _options()
    totals = figures.totals
    rows = tables.child_rows(figures.children, sort, descending, metric, threshold)
    return {
        "as_of": as_of_text(figures.view),
        "as_of_short": as_of_short(figures.view),
        "locality": locality,
        "figures": figures,
        "view": figures.view,
        "path": figures.path,
        "label": figures.label,
        "on": figures.on,
        "labels": labels,
        "sort": sort,
        "descending": descending,
        "metric": metric,
        "threshold": threshold,
        "totals": totals,
        "measures": figures.measures,
        "tiles": indicators.DASHBOARD,
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
    place = localities.path_label(locality) if not data["view"].valid_until else data["label"]
    return render_template(
        "insights/unit.html",
        **data,
        chain=chain,
        place=place,
        children_table=tables.children_table(data["rows"], data["metric"]),
        levels_table=tables.levels_table(data["totals"]),
        areas_table=tables.areas_table(data["rows"], means),
        weeks_table=tables.weeks_table(weeks),
        query=_known_query(),
        reorganizations=reports_dates(),
        sortable=tables.SORTABLE,
        columns=tables.COLUMNS,
        rate_metrics=tables.RATE_METRICS,
        indicators_doc=url_for("insights.indicator_definitions"),
    )


@bp.route("/indicators")
@role_required(*LEADERS)
def indicator_definitions():
    """What every figure counts, out of what, for whom and how often (the registry, as docs/indicators.md)."""
    return render_template("insights/indicators.html", indicators=list(indicators.INDICATORS.values()),
                           cadences=indicators.CADENCES)


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

    return in_scope(current_user, LEADERS, locality)


def _chart(code: str, kind: str, fmt: str, scoped: bool = True) -> charts.Chart:
    data = _data(code, scoped)
    rows = data["rows"]
    names = [r["label"] for r in rows]
    metric_label = data["labels"][data["metric"]]
    dated = f" — {data['as_of']}"
    stamp = f" · {data['as_of_short']}"
    if kind == "bars":
        measures = [r["measures"][data["metric"]] for r in rows]
        values = [m.value or 0.0 for m in measures]
        alt = _(
            "Bar chart of %(metric)s for the units of %(unit)s: %(values)s",
            metric=metric_label,
            unit=data["label"],
            values="; ".join(f"{n} {m.text()}" for n, m in zip(names, measures, strict=True)),
        )
        return charts.bar_chart(names, values, metric_label + stamp, alt + dated, fmt, threshold=data["threshold"],
                                texts=[m.text() for m in measures])
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
            indicators.get("lessons_completed").name(): [w["lessons_completed"] for w in weeks],
            indicators.get("active_learners_week").name(): [w["active_learners"] for w in weeks],
            indicators.get("assisted_sessions").name(): [w["assisted_sessions"] for w in weeks],
        }
        alt = _(
            "Weekly trend in %(unit)s over %(n)s weeks: lessons completed %(values)s",
            unit=data["label"],
            n=len(weeks),
            values=", ".join(numbers.number(w["lessons_completed"]) for w in weeks),
        )
        return charts.trend_lines(
            [format_date(w["week_start"], "dd/MM") for w in weeks], series, _("Activity by week") + stamp, alt + dated, fmt
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
        header, body = tables.for_export(tables.children_table(data["rows"], data["metric"]))
    elif table == "levels":
        header, body = tables.for_export(tables.levels_table(data["totals"]))
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


@bp.get("/me/evidence")
@login_required
def my_evidence():
    """Every piece of the person's evidence, newest first, a page at a time."""
    asked = request.args.get("page", 1, type=int) or 1
    rows, pages = competency.evidence_details(current_user.id, asked)
    names = {code: c.name() for code, c in get_framework().competences.items()}
    return render_template("insights/evidence.html", rows=rows, page=min(max(asked, 1), pages), pages=pages,
                           names=names)


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
        kept = session.pop("placement", None)
        if not isinstance(kept, dict) or not kept.get("ids"):
            return redirect(url_for("insights.placement_test"))
        drawn = [int(i) for i in kept["ids"]]
        answers = {qid: (request.form.get(f"q{qid}") or "")[:16] or None for qid in drawn}
        result = competency.grade_placement(current_user.id, drawn, answers, str(kept.get("layout", "")))
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
    layout = secrets.token_hex(8)
    session["placement"] = {"ids": [q.id for q in questions], "layout": layout}
    return render_template("insights/placement.html", questions=competency.placement_layout(questions, layout))


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


# --- the indicators API (GET /api/v1/indicators) ---------------------------------------------------


class IndicatorsQuery(BaseModel):
    locality: str = Field(description="The unit's official code (e.g. `75` for Tỉnh Đồng Nai).")
    date: dt.date | None = Field(None, description="The report date, `YYYY-MM-DD` (Asia/Ho_Chi_Minh); "
                                 "today by default. A date before a reorganization gives the figures "
                                 "of that time, under the units of that time.")


class IndicatorValue(BaseModel):
    """One indicator of a unit: see `docs/indicators.md` for what each key counts."""

    indicator: str = Field(description="The indicator's key in the registry (docs/indicators.md).")
    name: str = Field(description="The indicator's name in the token owner's language.")
    kind: Literal["count", "share", "mean"]
    unit: str = Field(description="What is counted: people, lessons, sessions or enrollments.")
    numerator: int
    denominator: int | None = Field(description="What a share is out of; null for a count.")
    value: float | None = Field(description="The count, or the share in percent (one decimal, rounded "
                                "half up); null when the denominator is 0.")


class IndicatorUnit(BaseModel):
    code: str
    name: str
    type: str
    label: str = Field(description="Type and name, e.g. `Xã Tân Tiến`; where names repeat among the "
                       "children, the code is added.")
    indicators: list[IndicatorValue]


class IndicatorsAnswer(BaseModel):
    """A unit's indicators on a date, and its children's: the dashboard's figures."""

    locality: IndicatorUnit
    date: dt.date = Field(description="The report date.")
    as_of: datetime | None = Field(description="When the figures were computed (null: never).")
    figures_before: dt.date | None = Field(description="Set when the figures are those frozen before "
                                           "the reorganization of this date.")
    children: list[IndicatorUnit]


def _indicator_values(measures: dict[str, indicators.Measure]) -> list[dict]:
    return [
        {**m.as_dict(), "name": m.indicator.name(), "kind": m.indicator.kind, "unit": m.indicator.unit}
        for m in measures.values()
    ]


@api_bp.get("/indicators")
@documented(
    tag="indicators", operation_id="getIndicators", auth="bearer", query=IndicatorsQuery,
    responses={
        200: IndicatorsAnswer,
        400: "`locality` is missing, or `date` is not a `YYYY-MM-DD` date up to today.",
        403: "The token's owner is not a manager or organizer of this unit.",
        404: "Unknown locality code, or the unit did not exist on that date.",
    },
)
@token_required
def api_indicators():
    """A unit's indicators and its children's on a date (manager's or organizer's token).

    Every indicator with its numerator, denominator and value, as on the dashboard; the unit must
    be inside the token owner's area."""
    code = request.args.get("locality", "")[:20]
    if not code:
        return api_error(400, _("The locality code is missing."))
    raw = request.args.get("date", "")
    today = utcnow().astimezone(TZ).date()
    try:
        on = dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return api_error(400, _("The date must be a YYYY-MM-DD date."))
    if on is not None and on > today:
        return api_error(400, _("The date is in the future: no figures exist for it yet."))
    locality = localities.get_by_code(code)
    if locality is None:
        return api_error(404, _("Unknown locality code."))
    if not figures_service.may_read(token_user(), LEADERS, locality, on):
        return api_error(403, _("You are not a manager or organizer of this unit."))
    figures = figures_service.unit_figures(locality, on)
    if figures is None:
        return api_error(404, _("This unit did not exist on that date."))
    labels = tables.unit_labels(figures.children)
    children = sorted(figures.children, key=lambda c: (collation_key(c["name"]), c["code"]))
    return jsonify({
        "locality": {"code": figures.code, "name": figures.name, "type": figures.type, "label": figures.label,
                     "indicators": _indicator_values(figures.measures)},
        "date": (on or today).isoformat(),
        "as_of": figures.as_of.isoformat() if figures.as_of else None,
        "figures_before": figures.valid_until.isoformat() if figures.valid_until else None,
        "children": [
            {"code": c["code"], "name": c["name"], "type": c["type"], "label": labels[c["id"]],
             "indicators": _indicator_values(indicators.measure_all(c))}
            for c in children
        ],
    })
