"""Participant pages: contests, registration, taking a round, practice, public boards."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.competency import indicators
from app.contests import attempts, boards, integrity, ranking, results
from app.contests import banks as bank_service
from app.contests import service as contest_service
from app.contests.forms import GROUP_LABELS, PracticeForm, RegisterEntryForm
from app.contests.models import ContestAttempt
from app.core.extensions import db, limiter
from app.core.types import utcnow
from app.core.urls import int32_or_none
from app.localities.picker import read_picker
from app.localities.service import ancestors, distinct_labels, get_by_code
from app.training import certificates

bp = Blueprint("contests", __name__, template_folder="../templates")

PAGE_SIZE = 50


def _user_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else request.remote_addr or "?"


def start_limit() -> str:
    return current_app.config.get("CONTEST_START_LIMIT", "10 per minute")


def submit_limit() -> str:
    return current_app.config.get("CONTEST_SUBMIT_LIMIT", "30 per minute")


def registration_limit() -> str:
    return f"{current_app.config['REGISTRATIONS_PER_IP_PER_HOUR']} per hour"


def _contest_or_404(slug: str):
    contest = contest_service.get_contest(slug[:80])
    if contest is None or not contest.published:
        abort(404)
    return contest


def _round_or_404(contest, number: int):
    round_ = contest_service.get_round(contest, number)
    if round_ is None:
        abort(404)
    return round_


def _own_attempt(attempt_id: int) -> ContestAttempt:
    attempt = db.session.get(ContestAttempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    return attempt


def _group_arg(contest) -> str:
    grp = request.args.get("group", "")
    return grp if grp in contest.groups else contest.groups[0]


@bp.get("/")
def index():
    return render_template("contests/index.html", contests=contest_service.public_contests(), now=utcnow())


@bp.get("/<slug>")
def contest(slug: str):
    contest = _contest_or_404(slug)
    entry = contest_service.entry_of(contest, current_user.id) if current_user.is_authenticated else None
    return render_template(
        "contests/contest.html", contest=contest, entry=entry, now=utcnow(), group_labels=GROUP_LABELS
    )


@bp.route("/<slug>/register", methods=["GET", "POST"])
@login_required
@limiter.limit(registration_limit, methods=["POST"], deduct_when=lambda r: r.status_code == 302)
def register(slug: str):
    contest = _contest_or_404(slug)
    if contest_service.entry_of(contest, current_user.id):
        return redirect(url_for(".contest", slug=slug))
    form = RegisterEntryForm()
    form.grp.choices = [(g, GROUP_LABELS[g]) for g in contest.groups]
    if request.method == "GET":
        form.full_name.data = current_user.full_name
        form.birth_year.data = current_user.birth_year
        form.grp.data = current_user.kind if current_user.kind in contest.groups else contest.groups[0]
        form.unit.data = current_user.workplace_unit.name if current_user.workplace_unit else ""
    picker = read_picker(default=current_user.locality, root=contest.eligibility)
    if request.method == "POST" and not picker.drilling and form.validate() and not picker.error:
        try:
            contest_service.register_entry(
                contest,
                current_user,
                form.grp.data,
                form.full_name.data,
                form.birth_year.data,
                picker.selected,
                form.unit.data,
            )
        except contest_service.ContestError as exc:
            if exc.field == "locality":
                picker.error = str(exc)
            else:
                getattr(form, exc.field or "grp").errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("You are registered. Good luck!"), "success")
            # straight to the start button of the round that is open now, if there is one
            now = utcnow()
            open_round = next((r for r in contest.rounds if r.is_open(now)), None)
            if open_round is not None:
                return redirect(url_for(".round_page", slug=slug, number=open_round.number,
                                        _anchor="start-attempt"))
            return redirect(url_for(".contest", slug=slug))
    status = 400 if request.method == "POST" and not picker.drilling else 200
    return render_template(
        "contests/register.html",
        contest=contest,
        form=form,
        picker=picker,
        levels=picker.levels(contest.eligibility),
    ), status


@bp.get("/<slug>/rounds/<int32:number>")
def round_page(slug: str, number: int):
    contest = _contest_or_404(slug)
    round_ = _round_or_404(contest, number)
    now = utcnow()
    entry = mine = current = None
    if current_user.is_authenticated:
        entry = contest_service.entry_of(contest, current_user.id)
        mine = list(
            db.session.scalars(
                db.select(ContestAttempt)
                .where(ContestAttempt.round_id == round_.id, ContestAttempt.user_id == current_user.id)
                .order_by(ContestAttempt.number)
            )
        )
        current = next((a for a in mine if a.status == "open"), None)
    rank = boards.own_rank(round_, entry.grp, current_user.id) if entry else None
    return render_template(
        "contests/round.html",
        contest=contest,
        round=round_,
        entry=entry,
        attempts=mine,
        current=current,
        now=now,
        rank=rank,
        group_labels=GROUP_LABELS,
    )


@bp.post("/<slug>/rounds/<int32:number>/start")
@login_required
@limiter.limit(start_limit, key_func=_user_key)
def start(slug: str, number: int):
    contest = _contest_or_404(slug)
    round_ = _round_or_404(contest, number)
    try:
        attempt = attempts.start_attempt(round_, current_user.id)
    except attempts.AttemptError as exc:
        db.session.commit()
        flash(str(exc), "error")
        if exc.code == "not_registered":
            return redirect(url_for(".register", slug=slug))
        return redirect(url_for(".round_page", slug=slug, number=number))
    integrity.record_start(attempt, request.remote_addr, request.user_agent.string)
    db.session.commit()
    return redirect(url_for(".take", attempt_id=attempt.id))


def _form_answers(attempt: ContestAttempt) -> dict:
    return {
        str(item["id"]): request.form.getlist(f"q-{item['id']}")
        for item in attempt.questions
        if f"q-{item['id']}" in request.form or request.form.get(f"seen-{item['id']}")
    }


def _prediction() -> int | None:
    return int32_or_none(request.form.get("prediction") or "")


@bp.route("/attempts/<int32:attempt_id>", methods=["GET", "POST"])
@login_required
@limiter.limit(submit_limit, key_func=_user_key, methods=["POST"])
def take(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if request.method == "POST" and attempt.status == "open":
        try:
            if request.form.get("action") == "save":
                attempts.save_answers(attempt, _form_answers(attempt), prediction=_prediction())
                db.session.commit()
                flash(_("Your answers are saved."), "success")
                return redirect(url_for(".take", attempt_id=attempt.id))
            if request.form.get("action") == "review":  # the Submit button: confirm first (issue 15)
                return _confirm_submit(attempt)
            integrity.record_submit(attempt, request.remote_addr, request.user_agent.string,
                                    request.form.get("focus_lost"))
            prediction = _prediction()
            attempts.submit_attempt(attempt, _form_answers(attempt),
                                    attempt.prediction if prediction is None else prediction)
        except attempts.AttemptError as exc:
            db.session.commit()
            flash(str(exc), "error")
            return redirect(url_for(".result", attempt_id=attempt.id))
        db.session.commit()
        return redirect(url_for(".result", attempt_id=attempt.id))
    if attempt.status != "open":
        return redirect(url_for(".result", attempt_id=attempt.id))
    if not attempts._within_time(attempt, utcnow()):
        attempts.expire_attempt(attempt)
        db.session.commit()
        flash(_("Time is up: your saved answers were kept."), "info")
        return redirect(url_for(".result", attempt_id=attempt.id))
    return render_template(
        "contests/take.html",
        attempt=attempt,
        questions=attempts.attempt_questions(attempt),
        deadline=attempt.deadline,
        now=utcnow(),
        warning=_time_warning(attempt),
    )


def _time_warning(attempt: ContestAttempt) -> str:
    """The warning a page shows when 5 minutes or 1 minute (or less) remain (WCAG 2.2.1)."""
    left = (attempt.deadline - utcnow()).total_seconds()
    if left <= 60:
        return _("Less than 1 minute left: submit now.")
    if left <= 300:
        return _("Less than 5 minutes left.")
    return ""


def _confirm_submit(attempt: ContestAttempt):
    """Save what the form holds and ask for confirmation, saying how many are unanswered
    (the page without JavaScript; with it contests.js asks in a dialog and posts ``submit``)."""
    attempts.save_answers(attempt, _form_answers(attempt), prediction=_prediction())
    integrity.record_focus(attempt, request.form.get("focus_lost"))
    db.session.commit()
    total = len(attempt.questions)
    answered = sum(1 for item in attempt.questions if attempt.answers.get(str(item["id"])))
    return render_template(
        "contests/confirm_submit.html", attempt=attempt, total=total, unanswered=total - answered,
        deadline=attempt.deadline, now=utcnow(), warning=_time_warning(attempt),
    )


@bp.post("/attempts/<int32:attempt_id>/autosave")
@login_required
def autosave(attempt_id: int):
    """Called by contests.js with the form's fields; the no-JS form uses the Save button."""
    attempt = _own_attempt(attempt_id)
    try:
        attempts.save_answers(attempt, _form_answers(attempt), prediction=_prediction())
        integrity.record_focus(attempt, request.form.get("focus_lost"))
    except attempts.AttemptError as exc:
        db.session.commit()
        return jsonify({"saved": False, "message": str(exc)}), 409
    db.session.commit()
    return jsonify({"saved": True})


@bp.get("/attempts/<int32:attempt_id>/result")
@login_required
def result(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt.status == "open":
        return redirect(url_for(".take", attempt_id=attempt.id))
    reveal = attempts.can_review(attempt)
    return render_template(
        "contests/result.html",
        attempt=attempt,
        reveal=reveal,
        questions=attempts.attempt_questions(attempt, reveal=reveal),
    )


@bp.get("/<slug>/rounds/<int32:number>/board")
def board(slug: str, number: int):
    contest = _contest_or_404(slug)
    round_ = _round_or_404(contest, number)
    grp = _group_arg(contest)
    page = max(1, request.args.get("page", 1, type=int))
    locality = get_by_code(request.args.get("locality", "")[:20]) if request.args.get("locality") else None
    viewer = None
    if current_user.is_authenticated:
        entry = contest_service.entry_of(contest, current_user.id)
        if entry and entry.grp == grp:
            viewer = current_user.id
    entries, total, rank = boards.board_page(round_, grp, (page - 1) * PAGE_SIZE, PAGE_SIZE, locality, viewer)
    return render_template(
        "contests/board.html",
        contest=contest,
        round=round_,
        grp=grp,
        entries=entries,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        rank=rank,
        group_labels=GROUP_LABELS,
        locality=locality,
        criterion_labels=ranking.CRITERION_LABELS,
    )


@bp.get("/<slug>/rounds/<int32:number>/results")
def results_page(slug: str, number: int):
    contest = _contest_or_404(slug)
    round_ = _round_or_404(contest, number)
    if round_.results_published_at is None:
        abort(404)
    own = None
    if current_user.is_authenticated:
        own = next(
            (c for c in certificates.round_certificates(round_.id) if c.user_id == current_user.id), None
        )
    return render_template(
        "contests/results.html",
        contest=contest,
        round=round_,
        results=results.public_results(round_),
        own_certificate=own,
        group_labels=GROUP_LABELS,
        share=indicators.get("round_participation_headcount"),
    )


@bp.get("/<slug>/board")
def overall(slug: str):
    contest = _contest_or_404(slug)
    grp = _group_arg(contest)
    page = max(1, request.args.get("page", 1, type=int))
    entries, total = boards.overall_board(contest, grp, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    return render_template(
        "contests/overall.html",
        contest=contest,
        grp=grp,
        entries=entries,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        group_labels=GROUP_LABELS,
    )


@bp.get("/<slug>/rounds/<int32:number>/localities")
def localities(slug: str, number: int):
    contest = _contest_or_404(slug)
    round_ = _round_or_404(contest, number)
    parent = get_by_code(request.args.get("parent", "")[:20]) if request.args.get("parent") else None
    if parent is None or not parent.path.startswith(contest.eligibility.path):
        parent = contest.eligibility
    rows = boards.locality_board(round_, parent)
    chain = [loc for loc in ancestors(parent) if loc.depth >= contest.eligibility.depth]
    total = contest_service.participants_in(parent, round_)
    share = indicators.get("round_participation_headcount")
    names = distinct_labels([{"id": r["locality"].id, "code": r["locality"].code, "type": r["locality"].type,
                              "name": r["locality"].name} for r in rows])
    for r in rows:
        r["label"] = names[r["locality"].id]
        r["measure"] = share.measure({"participants": r["participants"], "headcount": r["headcount"]})
    return render_template(
        "contests/localities.html",
        contest=contest,
        round=round_,
        parent=parent,
        rows=rows,
        chain=chain,
        total=total,
        share=share,
        participants=indicators.get("round_participants"),
        parent_measure=share.measure({"participants": total, "headcount": parent.headcount}),
    )


@bp.get("/<slug>/rounds/<int32:number>/units")
def units(slug: str, number: int):
    contest = _contest_or_404(slug)
    round_ = _round_or_404(contest, number)
    min_rate = request.args.get("min_rate", type=int)
    rows = boards.unit_board(round_, (min_rate / 100) if min_rate else None, contest.eligibility)
    share = indicators.get("round_participation_headcount")
    for r in rows:
        r["measure"] = share.measure({"participants": r["participants"], "headcount": r["headcount"]})
    return render_template("contests/units.html", contest=contest, round=round_, rows=rows, min_rate=min_rate,
                           share=share)


@bp.route("/practice", methods=["GET", "POST"])
@login_required
@limiter.limit(start_limit, key_func=_user_key, methods=["POST"])
def practice():
    form = PracticeForm()
    summary = bank_service.banks_summary()
    # Banks of open or scheduled rounds are not offered: practice shows keys right after submitting.
    reserved = bank_service.reserved_banks()
    form.banks.choices = [(s["bank"].slug, s["bank"].title) for s in summary
                          if s["count"] and s["bank"].slug not in reserved]
    unavailable = [(s["bank"].title, reserved[s["bank"].slug]) for s in summary
                   if s["count"] and s["bank"].slug in reserved]
    if request.method == "GET" and form.banks.choices:
        form.banks.data = [form.banks.choices[0][0]]
    if form.validate_on_submit():
        try:
            attempt = attempts.start_practice(current_user.id, form.banks.data, form.count.data)
        except attempts.AttemptError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            return redirect(url_for(".take", attempt_id=attempt.id))
    return render_template("contests/practice.html", form=form, unavailable=unavailable), (
        400 if request.method == "POST" else 200)


