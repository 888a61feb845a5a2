"""The organizer's integrity pages of a round (issue 15): the review queue of flagged participants
(sortable, exportable), the searchable participant list and the voided ones, void / restore /
finalize confirmations that say what will change, and extra time or attempts."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.scope import ensure_in_scope, role_required
from app.contests import allowances, integrity, voiding
from app.contests.integrity_forms import AllowanceForm, ReasonForm, ThresholdsForm
from app.contests.models import ContestEntry, ContestRound
from app.contests.organize_forms import ConfirmForm
from app.contests.routes.organize import ROLES, bp, round_context
from app.core.exports import TableExport, export_response, person_label
from app.core.extensions import db
from app.core.types import utcnow


def _round(round_id: int) -> ContestRound:
    round_ = db.session.get(ContestRound, round_id)
    if round_ is None:
        abort(404)
    ensure_in_scope(round_.contest.eligibility, *ROLES)
    return round_


def _entry(round_: ContestRound, entry_id: int) -> ContestEntry:
    entry = voiding.find_entry(round_.contest, entry_id)
    if entry is None:
        abort(404)
    return entry


@bp.route("/rounds/<int:round_id>/review", methods=["GET", "POST"])
@role_required(*ROLES)
def review_queue(round_id: int):
    round_ = _round(round_id)
    form = ThresholdsForm(obj=integrity.thresholds_of(round_))
    if form.validate_on_submit():
        integrity.save_thresholds(round_, current_user, **{name: getattr(form, name).data
                                                           for name in integrity.THRESHOLDS})
        db.session.commit()
        flash(_("The thresholds are saved."), "success")
        return redirect(url_for(".review_queue", round_id=round_id))
    sort = request.args.get("sort", "signals")
    signal = request.args.get("signal") or None
    if sort not in integrity.SORTS or (signal is not None and signal not in integrity.SIGNALS):
        abort(400)
    return render_template(
        "organize/review.html", round=round_, contest=round_.contest, form=form, sort=sort, signal=signal,
        suspects=integrity.review_queue(round_, sort, signal), labels=integrity.signal_labels(),
        assisted=integrity.assisted_counts(round_),
    ), 400 if request.method == "POST" else 200


@bp.get("/rounds/<int:round_id>/review.<fmt>")
@role_required(*ROLES)
def review_export(round_id: int, fmt: str):
    round_ = _round(round_id)
    sort = request.args.get("sort", "signals")
    header, rows = integrity.queue_table(integrity.review_queue(round_, sort if sort in integrity.SORTS else "signals"))
    return export_response(TableExport(
        title=_("Participants flagged for review"), headers=header, rows=rows, context=round_context(round_),
        exported_by=person_label(current_user), filename=f"{round_.contest.slug}-round{round_.number}-review",
    ), fmt)


@bp.get("/rounds/<int:round_id>/participants")
@role_required(*ROLES)
def participants(round_id: int):
    round_ = _round(round_id)
    term = request.args.get("q", "")[:120]
    return render_template(
        "organize/participants.html", round=round_, contest=round_.contest, term=term,
        found=voiding.search_participants(round_.contest, term), voided=voiding.voided_participants(round_.contest),
        grants=allowances.allowances_in(round_),
    )


@bp.route("/rounds/<int:round_id>/participants/<int:entry_id>/<any(void, restore):action>", methods=["GET", "POST"])
@role_required(*ROLES)
def void_or_restore(round_id: int, entry_id: int, action: str):
    round_ = _round(round_id)
    entry = _entry(round_, entry_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            if action == "void":
                voiding.void_participant(entry, current_user, form.reason.data)
            else:
                voiding.restore_participant(entry, current_user, form.reason.data)
        except voiding.VoidingError as exc:
            form.reason.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The participant's results are voided.") if action == "void"
                  else _("The participant's results are restored."), "success")
            return redirect(url_for(".participants", round_id=round_id))
    impact = voiding.void_impact(entry) if action == "void" else voiding.restore_impact(entry)
    return render_template(
        "organize/void_confirm.html", round=round_, contest=round_.contest, entry=entry, action=action,
        form=form, impact=impact, history=voiding.history(entry),
    ), 400 if request.method == "POST" else 200


@bp.route("/rounds/<int:round_id>/participants/<int:entry_id>/allowance", methods=["GET", "POST"])
@role_required(*ROLES)
def grant_allowance(round_id: int, entry_id: int):
    round_ = _round(round_id)
    entry = _entry(round_, entry_id)
    form = AllowanceForm()
    if form.validate_on_submit():
        try:
            allowances.grant_allowance(round_, entry, current_user, form.extra_minutes.data or 0,
                                       form.extra_attempts.data or 0, form.reason.data)
        except allowances.AllowanceError as exc:
            form.reason.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Granted to %(name)s.", name=entry.full_name), "success")
            return redirect(url_for(".participants", round_id=round_id))
    return render_template(
        "organize/allowance.html", round=round_, contest=round_.contest, entry=entry, form=form,
        current=allowances.allowance_of(round_.id, entry.user_id),
    ), 400 if request.method == "POST" else 200


@bp.get("/rounds/<int:round_id>/finalize")
@role_required(*ROLES)
def finalize_confirm(round_id: int):
    round_ = _round(round_id)
    if not round_.is_closed(utcnow()):
        flash(_("A round can be finalized only after it closes."), "error")
        return redirect(url_for(".round_detail", round_id=round_id))
    return render_template(
        "organize/finalize_confirm.html", round=round_, contest=round_.contest,
        impact=voiding.finalize_impact(round_), confirm=ConfirmForm(),
    )
