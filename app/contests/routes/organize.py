"""Organizer pages: banks, contests and rounds, live counters, audit, statistics, exports, voiding,
results (publication, winners per district, certificates).

Contests belong to their eligibility locality: an organizer sees and edits only contests whose
eligibility lies inside a subtree they were granted (404 otherwise).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.scope import ensure_in_scope, role_required, scope_filter
from app.accounts.service import normalize_phone
from app.contests import audit_log, bank_editor, result_documents, results, stats, voiding
from app.contests import banks as bank_service
from app.contests import messages as contest_messages
from app.contests import service as contest_service
from app.contests.models import Contest, ContestRound
from app.contests.organize_forms import ConfirmForm, ContestForm, RoundForm, VoidForm
from app.core import messaging
from app.core.exports import TableExport, export_response, person_label
from app.core.extensions import db
from app.core.models import MessageCampaign
from app.core.personal_data import EXPORTED, record_access
from app.core.tabular import write_csv, write_xlsx
from app.core.types import TZ, utcnow
from app.core.urls import int32_or_none
from app.localities.models import Locality
from app.localities.service import get_by_code
from app.training import certificates

bp = Blueprint("organize", __name__, template_folder="../templates")

ROLES = ("organizer",)


def _contest(contest_id: int | None) -> Contest:
    contest = db.session.get(Contest, contest_id) if contest_id is not None else None
    if contest is None:
        abort(404)
    ensure_in_scope(contest.eligibility, *ROLES)
    return contest


def _round(round_id: int) -> ContestRound:
    round_ = db.session.get(ContestRound, round_id)
    if round_ is None:
        abort(404)
    ensure_in_scope(round_.contest.eligibility, *ROLES)
    return round_


def _local(value: datetime) -> datetime:
    """A stored time as the naive local time a ``datetime-local`` field shows."""
    return value.astimezone(TZ).replace(tzinfo=None)


def _utc(value: datetime) -> datetime:
    """A ``datetime-local`` field's naive local time as an aware UTC time."""
    return value.replace(tzinfo=TZ).astimezone(UTC)


@bp.get("/")
@role_required(*ROLES)
def index():
    contests = contest_service.contests_in_scope(scope_filter(current_user, ROLES, Locality.path))
    return render_template(
        "organize/index.html", contests=contests, banks=bank_editor.banks_in_scope(current_user), now=utcnow()
    )


@bp.get("/banks/template.<fmt>")
@role_required(*ROLES)
def bank_template(fmt: str):
    return _table_response(
        bank_service.TEMPLATE_COLUMNS, bank_service.template_rows(), "question-template", fmt
    )


def _table_response(header: list[str], rows: list[list], name: str, fmt: str) -> Response:
    if fmt == "xlsx":
        return Response(
            write_xlsx(header, rows),
            headers={"Content-Disposition": f"attachment; filename={name}.xlsx"},
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    if fmt == "csv":
        return Response(
            write_csv(header, rows),
            mimetype="text/csv; charset=utf-8",
            headers={"Content-Disposition": f"attachment; filename={name}.csv"},
        )
    abort(404)


def _contest_values(form: ContestForm) -> dict:
    return {
        "slug": form.slug.data,
        "title": form.title.data,
        "rules": form.rules.data or "",
        "groups": form.groups.data,
        "published": form.published.data,
        "issuer": (form.issuer.data or "").strip(),
        "collective_units": form.collective_units.data or 0,
        "collective_localities": form.collective_localities.data or 0,
        "collective_min_rate": form.collective_min_rate.data,
    }


@bp.route("/contests/new", methods=["GET", "POST"])
@bp.route("/contests/<int32:contest_id>/edit", methods=["GET", "POST"])
@role_required(*ROLES)
def edit_contest(contest_id: int | None = None):
    contest = _contest(contest_id) if contest_id else None
    form = ContestForm(obj=contest)
    if request.method == "GET" and contest:
        form.eligibility.data = contest.eligibility.code
    if form.validate_on_submit():
        place = get_by_code(form.eligibility.data.strip())
        from app.accounts.scope import in_scope

        if place is None or not in_scope(current_user, ROLES, place):
            form.eligibility.errors.append(_("Enter the code of a locality in your area."))
        else:
            try:
                contest = contest_service.save_contest(
                    contest, current_user, eligibility_id=place.id, **_contest_values(form)
                )
            except contest_service.ContestError as exc:
                getattr(form, exc.field or "slug").errors.append(str(exc))
            else:
                db.session.commit()
                flash(_("The contest is saved."), "success")
                return redirect(url_for(".index"))
    return render_template(
        "organize/contest_form.html", form=form, contest=contest
    ), 400 if request.method == "POST" else 200


def _round_values(form: RoundForm) -> dict:
    criteria = [
        c
        for c in (form.criterion_1.data, form.criterion_2.data, form.criterion_3.data, form.criterion_4.data)
        if c
    ]
    prizes = []
    for line in (form.prizes.data or "").splitlines():
        label, _sep, count = line.rpartition(":")
        number = int32_or_none(count)
        if label.strip() and number is not None:
            prizes.append({"label": label.strip()[:80], "count": number})
    mix = {"1": form.easy.data or 0, "2": form.medium.data or 0, "3": form.hard.data or 0}
    tags = [t.strip().lower() for t in re.split(r"[,;]", form.tags.data or "") if t.strip()]
    return {
        "title": form.title.data or "",
        "opens_at": _utc(form.opens_at.data),
        "closes_at": _utc(form.closes_at.data),
        "question_count": sum(mix.values()),
        "draw": {"banks": form.banks.data, "tags": tags, "mix": mix},
        "time_limit_seconds": form.time_limit.data * 60,
        "attempts_allowed": form.attempts_allowed.data,
        "grace_seconds": form.grace_seconds.data or 0,
        "prediction_enabled": form.prediction_enabled.data,
        "prizes": prizes,
        "criteria": criteria,
        "review_after_close": form.review_after_close.data,
        "auto_finalize": form.auto_finalize.data,
    }


def _fill_round_form(form: RoundForm, round_: ContestRound) -> None:
    form.title.data = round_.title
    form.opens_at.data, form.closes_at.data = _local(round_.opens_at), _local(round_.closes_at)
    form.banks.data = round_.draw.get("banks", [])
    form.tags.data = ", ".join(round_.draw.get("tags") or [])
    mix = round_.draw.get("mix") or {}
    form.easy.data, form.medium.data, form.hard.data = (int(mix.get(k, 0)) for k in ("1", "2", "3"))
    form.time_limit.data = round_.time_limit_seconds // 60
    form.attempts_allowed.data = round_.attempts_allowed
    form.grace_seconds.data = round_.grace_seconds
    form.prediction_enabled.data = round_.prediction_enabled
    form.review_after_close.data = round_.review_after_close
    form.auto_finalize.data = round_.auto_finalize
    form.prizes.data = "\n".join(f"{p['label']}: {p['count']}" for p in round_.prizes or [])
    for i, field in enumerate((form.criterion_1, form.criterion_2, form.criterion_3, form.criterion_4)):
        field.data = round_.criteria[i] if i < len(round_.criteria) else ""


@bp.route("/contests/<int32:contest_id>/rounds/new", methods=["GET", "POST"])
@bp.route("/rounds/<int32:round_id>/edit", methods=["GET", "POST"])
@role_required(*ROLES)
def edit_round(contest_id: int | None = None, round_id: int | None = None):
    round_ = _round(round_id) if round_id else None
    contest = round_.contest if round_ else _contest(contest_id)
    form = RoundForm()
    # Only banks the organizer manages (and those the round already draws from) may be chosen:
    # drawing from a bank would otherwise let its keys reach a contest outside its scope.
    choices = [(s["bank"].slug, s["bank"].title) for s in bank_editor.banks_in_scope(current_user)]
    kept = [s for s in (round_.draw.get("banks") or [] if round_ else []) if s not in dict(choices)]
    form.banks.choices = choices + [(s, s) for s in kept]
    if request.method == "GET" and round_:
        _fill_round_form(form, round_)
    if form.validate_on_submit():
        try:
            round_ = contest_service.save_round(contest, round_, current_user, **_round_values(form))
        except contest_service.ContestError as exc:
            target = getattr(form, exc.field, None) if exc.field else None
            (target or form.title).errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The round is saved."), "success")
            return redirect(url_for(".round_detail", round_id=round_.id))
    return render_template(
        "organize/round_form.html", form=form, contest=contest, round=round_, now=utcnow()
    ), 400 if request.method == "POST" else 200


@bp.get("/rounds/<int32:round_id>")
@role_required(*ROLES)
def round_detail(round_id: int):
    round_ = _round(round_id)
    now = utcnow()
    by = request.args.get("tally", "locality")
    return render_template(
        "organize/round.html",
        round=round_,
        contest=round_.contest,
        now=now,
        counters=stats.round_counters(round_),
        audit=(events := audit_log.entries(current_user, round_id=round_.id, limit=200)),
        audit_names=audit_log.actors(events),
        tally=stats.daily_tally(round_, "unit" if by == "unit" else "locality"),
        tally_by=by,
        question_stats=stats.question_stats(round_) if round_.is_closed(now) else None,
        winner_count=len(results.winners(round_)),
        certificate_count=len(certificates.round_certificates(round_.id)),
        void_form=VoidForm(),
        confirm=ConfirmForm(),
        letters=bank_service.LETTERS,
    )


@bp.post("/rounds/<int32:round_id>/finalize")
@role_required(*ROLES)
def finalize(round_id: int):
    round_ = _round(round_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            ranked = contest_service.finalize_round(round_, current_user)
        except contest_service.ContestError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(
                _("Final ranking computed for %(n)s participants; winners are marked.", n=ranked), "success"
            )
    return redirect(url_for(".round_detail", round_id=round_id))


@bp.post("/rounds/<int32:round_id>/publish")
@role_required(*ROLES)
def publish_results(round_id: int):
    round_ = _round(round_id)
    if ConfirmForm().validate_on_submit():
        try:
            issued = results.publish_results(round_, current_user)
        except results.ResultsError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("The results are published; %(n)s certificates issued.", n=issued), "success")
    return redirect(url_for(".round_detail", round_id=round_id))


@bp.get("/rounds/<int32:round_id>/winners")
@role_required(*ROLES)
def winners(round_id: int):
    round_ = _round(round_id)
    return render_template(
        "organize/winners.html",
        round=round_,
        contest=round_.contest,
        districts=results.winners_by_district(round_),
        certs={c.user_id: c for c in certificates.round_certificates(round_.id)},
        group_label=result_documents.group_label,
        now=utcnow(),
    )


@bp.get("/rounds/<int32:round_id>/winners.pdf")
@role_required(*ROLES)
def winners_pdf(round_id: int):
    round_ = _round(round_id)
    record_access(EXPORTED, _("List of winners"), round=round_.id)
    return Response(
        result_documents.winners_pdf(round_),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{round_.contest.slug}-round{round_.number}-winners.pdf"',
                 "Cache-Control": "no-store"},
    )


@bp.get("/rounds/<int32:round_id>/winners-by-district.<fmt>")
@role_required(*ROLES)
def winners_export(round_id: int, fmt: str):
    round_ = _round(round_id)
    header, rows = result_documents.winners_table(round_)
    return export_response(TableExport(
        title=_("List of winners per district"), headers=header, rows=rows, context=round_context(round_),
        exported_by=person_label(current_user), filename=f"{round_.contest.slug}-round{round_.number}-winners-by-district",
    ), fmt)


def _verify_url(code: str) -> str:
    """The certificate's verification link, from PUBLIC_BASE_URL (never the request's Host)."""
    return messaging.public_url("verify.verify", code=code)


@bp.get("/rounds/<int32:round_id>/certificates.zip")
@role_required(*ROLES)
def certificates_zip(round_id: int):
    round_ = _round(round_id)
    record_access(EXPORTED, _("Certificates"), round=round_.id)
    return Response(
        result_documents.certificates_zip(round_, _verify_url),
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{round_.contest.slug}-round{round_.number}-certificates.zip"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/rounds/<int32:round_id>/certificates/<int32:certificate_id>.pdf")
@role_required(*ROLES)
def certificate_pdf(round_id: int, certificate_id: int):
    round_ = _round(round_id)
    cert = certificates.find_by_id(certificate_id)
    if cert is None or cert.contest_round_id != round_.id:
        abort(404)
    record_access(EXPORTED, _("Certificate"), certificate=cert.id)
    return Response(
        certificates.render_pdf(cert, _verify_url(cert.code)),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="certificate-{cert.id}.pdf"', "Cache-Control": "no-store"},
    )


@bp.get("/messages")
@role_required(*ROLES)
def campaigns():
    found = contest_messages.campaigns_in_scope(
        scope_filter(current_user, ROLES, Locality.path), include_unplaced=current_user.has_role("admin")
    )
    return render_template(
        "organize/campaigns.html", campaigns=found, counts=messaging.status_counts([c.id for c in found]),
        kinds={k.name: k.label for k in messaging.message_kinds()},
    )


@bp.get("/messages/<int32:campaign_id>")
@role_required(*ROLES)
def campaign(campaign_id: int):
    found = db.session.get(MessageCampaign, campaign_id)
    if found is None or (found.locality_id is None and not current_user.has_role("admin")):
        abort(404)
    if found.locality_id is not None:
        ensure_in_scope(db.session.get(Locality, found.locality_id), *ROLES)
    return render_template(
        "organize/campaign.html", campaign=found, messages=messaging.campaign_messages(found.id),
        counts=messaging.status_counts([found.id])[found.id],
        kinds={k.name: k.label for k in messaging.message_kinds()},
        status_labels={"queued": _("Queued"), "sending": _("Sending"), "sent": _("Sent"), "failed": _("Failed"),
                       "unconfirmed": _("Unconfirmed")},
    )


@bp.post("/rounds/<int32:round_id>/void")
@role_required(*ROLES)
def void(round_id: int):
    round_ = _round(round_id)
    form = VoidForm()
    if form.validate_on_submit():
        from app.contests.models import ContestEntry

        phone = normalize_phone(form.phone.data)
        entry = (
            db.session.scalar(
                db.select(ContestEntry).where(
                    ContestEntry.contest_id == round_.contest_id, ContestEntry.phone == phone
                )
            )
            if phone
            else None
        )
        if entry is None:
            flash(_("No participant with this phone number."), "error")
        else:
            try:  # kept for scripts; the pages confirm first (organize_integrity.void_or_restore)
                voiding.void_participant(entry, current_user, form.reason.data)
            except voiding.VoidingError as exc:
                flash(str(exc), "error")
            else:
                db.session.commit()
                flash(_("The participant's results are voided."), "success")
    else:
        flash(_("Enter the phone number and a reason."), "error")
    return redirect(url_for(".round_detail", round_id=round_id))


@bp.get("/rounds/<int32:round_id>/export/<kind>.<fmt>")
@role_required(*ROLES)
def export(round_id: int, kind: str, fmt: str):
    round_ = _round(round_id)
    if kind in ("participants", "winners"):
        title = stats.export_title(kind == "winners")
        header, rows = stats.export_rows(round_, winners_only=kind == "winners")
    elif kind in ("daily-localities", "daily-units"):
        title, header, rows = stats.daily_tally_table(round_, "unit" if kind == "daily-units" else "locality")
    elif kind == "questions":
        title, header, rows = stats.question_stats_table(round_)
    else:
        abort(404)
    return export_response(TableExport(
        title=title, headers=header, rows=rows,
        context=round_context(round_), exported_by=person_label(current_user),
        filename=f"{round_.contest.slug}-round{round_.number}-{kind}",
    ), fmt)


def round_context(round_: ContestRound) -> list[tuple[str, str]]:
    """The title block's lines naming a round: its contest and the round."""
    label = _("Round %(n)s", n=round_.number) + (f": {round_.title}" if round_.title else "")
    return [(_("Contest"), round_.contest.title), (_("Round"), label)]
