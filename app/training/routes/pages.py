"""Training pages: what an official must do, assignments and compliance, reminders, tests, certificates."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.accounts.models import WorkplaceUnit
from app.accounts.scope import ensure_in_scope, role_required, scope_filter
from app.competency import indicators
from app.competency.framework import get_framework
from app.contests.models import QuestionBank
from app.core import messaging
from app.core.exports import TableExport, export_response, person_label
from app.core.extensions import db
from app.core.personal_data import EXPORTED, VIEWED, record_access
from app.core.types import TZ, local_today
from app.learn.models import Course
from app.localities import service as localities
from app.localities.models import Locality
from app.training import certificates
from app.training import service as training
from app.training.forms import AssignmentForm, RevokeForm
from app.training.models import Certificate, TrainingAssignment, TrainingTestAttempt

bp = Blueprint("training", __name__, template_folder="../templates")

def state_labels() -> dict[str, str]:
    return {
        "not_started": _("Not started"),
        "in_progress": _("In progress"),
        "completed": _("Completed"),
        "overdue": _("Overdue"),
    }


def _export(title: str, header: list[str], body: list[list], name: str, fmt: str,
            context: list[tuple[str, str]] | None = None) -> Response:
    """A table as a file a department can file (app.core.exports)."""
    return export_response(TableExport(title=title, headers=header, rows=body, context=context or [],
                                       exported_by=person_label(current_user), filename=name), fmt)


@bp.route("/")
@login_required
def mine():
    rows = training.my_assignments(current_user, local_today())
    db.session.commit()
    certs = {
        c.assignment_id: c
        for c in db.session.scalars(select(Certificate).where(Certificate.user_id == current_user.id))
    }
    # Where a final test is open to the person: attempts left and when the next may start.
    tests = {
        r.enrollment.assignment_id: (
            training.attempts_left(r.enrollment),
            training.next_test_at(r.enrollment),
            any(a.submitted_at is None for a in training.test_attempts_of(r.enrollment)),
        )
        for r in rows
        if r.enrollment.assignment.has_test and r.enrollment.course_completed_at is not None
    }
    return render_template("training/mine.html", rows=rows, certs=certs, labels=state_labels(), tests=tests)


# --- assignments ------------------------------------------------------------------------------------


def _form() -> AssignmentForm:
    form = AssignmentForm()
    form.course_id.choices = [
        (c.id, c.title)
        for c in db.session.scalars(
            select(Course).where(Course.status == "published").order_by(Course.position, Course.title)
        )
    ]
    areas = db.session.scalars(
        select(Locality)
        .where(
            scope_filter(current_user, training.ASSIGNERS, Locality.path),
            Locality.dissolved_on.is_(None),
            Locality.depth <= 3,
        )
        .order_by(Locality.path)
        .limit(500)
    )
    form.locality_code.choices = [(loc.code, f"{'· ' * loc.depth}{loc.label} ({loc.code})") for loc in areas]
    form.target_role.choices = [
        ("", _("Anyone")),
        ("official", _("Officials")),
        ("citizen", _("Citizens")),
        ("helper", _("Community digital helpers")),
    ]
    units = db.session.scalars(
        select(WorkplaceUnit)
        .join(Locality)
        .where(scope_filter(current_user, training.ASSIGNERS, Locality.path))
        .order_by(WorkplaceUnit.name)
        .limit(500)
    )
    form.workplace_unit_id.choices = [(0, _("Any"))] + [(u.id, u.name) for u in units]
    form.test_banks.choices = [
        (b.slug, f"{b.title} ({b.slug})")
        for b in db.session.scalars(select(QuestionBank).order_by(QuestionBank.title)).unique()
    ]
    form.test_competences.choices = [
        (c.code, f"{c.code} {c.name()}") for c in get_framework().competences.values()
    ]
    return form


@bp.route("/assignments")
@role_required(*training.ASSIGNERS)
def assignments():
    return render_template(
        "training/assignments.html", assignments=training.assignments_in_scope(current_user)
    )


@bp.route("/assignments/new", methods=["GET", "POST"])
@role_required(*training.ASSIGNERS)
def new_assignment():
    form = _form()
    if form.validate_on_submit():
        locality = ensure_in_scope(localities.get_by_code(form.locality_code.data), *training.ASSIGNERS)
        unit = (
            db.session.get(WorkplaceUnit, form.workplace_unit_id.data)
            if form.workplace_unit_id.data
            else None
        )
        try:
            assignment = training.create_assignment(
                current_user,
                title=form.title.data.strip(),
                course=db.get_or_404(Course, form.course_id.data),
                locality=locality,
                due_on=form.due_on.data,
                target_role=form.target_role.data or None,
                target_position=(form.target_position.data or "").strip() or None,
                workplace_unit=unit,
                test_questions=form.test_questions.data or 0,
                pass_mark=form.pass_mark.data,
                test_banks=form.test_banks.data or [],
                test_competences=form.test_competences.data or [],
                test_attempts=form.test_attempts.data or 3,
                test_wait_minutes=form.test_wait_minutes.data or 0,
            )
        except training.TrainingError as exc:
            form.pass_mark.errors = [*form.pass_mark.errors, str(exc)]
        else:
            db.session.commit()
            flash(_("Training assigned."), "success")
            return redirect(url_for("training.assignment", assignment_id=assignment.id))
    return render_template("training/new.html", form=form)


def _assignment(assignment_id: int) -> TrainingAssignment:
    assignment = db.session.get(TrainingAssignment, assignment_id)
    if assignment is None:
        abort(404)
    ensure_in_scope(assignment.locality, *training.ASSIGNERS)
    return assignment


def _compliance_tables(assignment: TrainingAssignment):
    rows = training.compliance(assignment, local_today())
    db.session.commit()
    labels = state_labels()
    places = localities.path_labels(r.enrollment.user.locality for r in rows if r.enrollment.user.locality)
    people = (
        [
            _("Name"),
            _("Phone"),
            _("Workplace unit"),
            _("Position"),
            _("Locality"),
            _("State"),
            _("Completed on"),
        ],
        [
            [
                r.enrollment.user.full_name,
                r.enrollment.user.phone or "",
                r.enrollment.user.workplace_unit.name if r.enrollment.user.workplace_unit else "",
                r.enrollment.user.position or "",
                places.get(r.enrollment.user.locality_id or 0, ""),
                labels[r.state],
                r.enrollment.completed_at.astimezone(TZ).date().isoformat() if r.enrollment.completed_at else "",
            ]
            for r in rows
        ],
    )
    by_unit = training.rates(
        rows,
        lambda r: r.enrollment.user.workplace_unit_id or 0,
        lambda r: (
            r.enrollment.user.workplace_unit.name
            if r.enrollment.user.workplace_unit
            else _("(no workplace unit)")
        ),
    )
    # One row per unit (by code), named with its parents: villages of the same name in different
    # communes are different rows.
    by_locality = training.rates(
        rows,
        lambda r: r.enrollment.user.locality.code if r.enrollment.user.locality else "",
        lambda r: places.get(r.enrollment.user.locality_id or 0, ""),
    )
    compliance = indicators.get("training_compliance")
    for group in (*by_unit, *by_locality):
        group["measure"] = compliance.measure(
            {"training_completed": group["completed"], "training_required": group["total"]})
    return rows, people, by_unit, by_locality


@bp.route("/assignments/<int32:assignment_id>")
@role_required(*training.ASSIGNERS)
def assignment(assignment_id: int):
    item = _assignment(assignment_id)
    record_access(VIEWED, _("Training compliance"), assignment=item.id)
    rows, _people, by_unit, by_locality = _compliance_tables(item)
    return render_template(
        "training/assignment.html",
        assignment=item,
        rows=rows,
        by_unit=by_unit,
        by_locality=by_locality,
        compliance_name=indicators.get("training_compliance").name(),
        labels=state_labels(),
        states=training.STATES,
    )


@bp.route("/assignments/<int32:assignment_id>/export.<fmt>")
@role_required(*training.ASSIGNERS)
def export_assignment(assignment_id: int, fmt: str):
    item = _assignment(assignment_id)
    _rows, (header, body), _u, _l = _compliance_tables(item)
    return _export(_("Training compliance"), header, body, f"training-{item.id}", fmt,
                   [(_("Training"), item.title), (_("Due date"), item.due_on.isoformat())])


def _reminder_table():
    labels = state_labels()
    rows = training.reminders(current_user, local_today())
    db.session.commit()
    header = [_("Name"), _("Phone"), _("Workplace unit"), _("Training"), _("Due date"), _("State")]
    body = [
        [
            e.user.full_name,
            e.user.phone or "",
            e.user.workplace_unit.name if e.user.workplace_unit else "",
            e.assignment.title,
            e.assignment.due_on.isoformat(),
            labels[state],
        ]
        for e, state in rows
    ]
    return rows, header, body


@bp.route("/reminders")
@role_required(*training.ASSIGNERS)
def reminders():
    record_access(VIEWED, _("Training reminders"))
    rows, _header, _body = _reminder_table()
    return render_template("training/reminders.html", rows=rows, labels=state_labels())


@bp.route("/reminders.<fmt>")
@role_required(*training.ASSIGNERS)
def export_reminders(fmt: str):
    _rows, header, body = _reminder_table()
    return _export(_("Training reminders"), header, body, "training-reminders", fmt)


# --- final test ----------------------------------------------------------------------------------------


@bp.route("/test/<int32:assignment_id>", methods=["GET", "POST"])
@login_required
def test(assignment_id: int):
    enrollment = training.enrollment_for(current_user, assignment_id)
    if enrollment is None:
        abort(404)
    training.update_progress([enrollment])
    if request.method == "POST":
        attempt = db.session.get(TrainingTestAttempt, request.form.get("attempt", type=int) or 0)
        if attempt is None or attempt.enrollment_id != enrollment.id:
            abort(404)
        answers = {qid: (request.form.get(f"q{qid}") or "")[:16] or None for qid in attempt.question_ids}
        try:
            training.submit_test(attempt, answers)
        except training.TrainingError as exc:
            flash(str(exc), "error")
            return redirect(url_for("training.mine"))
        db.session.commit()
        if attempt.passed:
            flash(_("Passed with %(score)s%%.", score=attempt.score), "success")
        else:
            flash(
                _("Score %(score)s%%: below the pass mark. You can try again.", score=attempt.score), "error"
            )
        return redirect(url_for("training.mine"))
    try:
        attempt = training.start_test(enrollment)
    except training.TrainingError as exc:
        flash(str(exc), "error")
        return redirect(url_for("training.mine"))
    db.session.commit()
    return render_template(
        "training/test.html",
        attempt=attempt,
        enrollment=enrollment,
        questions=training.test_questions(attempt),
        attempts_left=training.attempts_left(enrollment),
    )


# --- certificates ---------------------------------------------------------------------------------------


def _certificate(certificate_id: int) -> Certificate:
    cert = db.session.get(Certificate, certificate_id)
    if cert is None:
        abort(404)
    if cert.user_id != current_user.id and not certificates.can_manage(current_user, cert):
        abort(404)
    return cert


@bp.route("/certificates/<int32:certificate_id>.pdf")
@login_required
def certificate_pdf(certificate_id: int):
    cert = _certificate(certificate_id)
    if cert.user_id != current_user.id:
        record_access(EXPORTED, _("Certificate"), certificate=cert.id)
    # The verification link from PUBLIC_BASE_URL, never from the request's Host header.
    pdf = certificates.render_pdf(cert, messaging.public_url("verify.verify", code=cert.code))
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="certificate-{cert.id}.pdf"', "Cache-Control": "no-store"},
    )


@bp.route("/certificates")
@role_required("organizer")
def certificates_list():
    from app.accounts.models import User

    certs = db.session.scalars(
        select(Certificate)
        .join(User, User.id == Certificate.user_id)
        .join(Locality, Locality.id == User.locality_id)
        .where(scope_filter(current_user, ("organizer",), Locality.path))
        .order_by(Certificate.issued_at.desc())
        .limit(500)
    ).all()
    return render_template("training/certificates.html", certs=certs, form=RevokeForm())


@bp.route("/certificates/<int32:certificate_id>/revoke", methods=["POST"])
@role_required("organizer")
def revoke(certificate_id: int):
    cert = db.session.get(Certificate, certificate_id)
    if cert is None or not certificates.can_manage(current_user, cert):
        abort(404)
    form = RevokeForm()
    if not form.validate_on_submit():
        flash(_("Give a reason to revoke the certificate."), "error")
        return redirect(url_for("training.certificates_list"))
    certificates.revoke(cert, current_user, form.reason.data.strip())
    db.session.commit()
    flash(_("Certificate revoked."), "success")
    return redirect(url_for("training.certificates_list"))
