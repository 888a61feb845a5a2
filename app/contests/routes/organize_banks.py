"""Organizer pages of question banks: list, editor, preview of a draw, import and export.

Every page loads its bank through ``bank_editor.get_managed_bank``: a bank outside the organizer's
scope answers 404, whether they read it, edit it, import into it or export it.
"""
from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.scope import in_scope, role_required
from app.competency.framework import get_framework
from app.contests import bank_editor, exchange
from app.contests.bank_forms import LETTERS, BankForm, PreviewForm, QuestionForm, QuestionImportForm
from app.contests.models import Question, QuestionBank
from app.contests.organize_forms import ConfirmForm
from app.contests.routes.organize import ROLES, bp
from app.core.exports import download
from app.core.extensions import db
from app.core.types import utcnow
from app.localities.service import get_by_code


def _bank(slug: str) -> QuestionBank:
    bank = bank_editor.get_managed_bank(current_user, slug)
    if bank is None:
        abort(404)
    return bank


def _question(bank: QuestionBank, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.bank_id != bank.id:
        abort(404)
    return question


def _competence_choices() -> list[tuple[str, str]]:
    return [(c.code, f"{c.code} — {c.name()}") for c in get_framework().competences.values()]


@bp.route("/banks/new", methods=["GET", "POST"])
@role_required(*ROLES)
def new_bank():
    form = BankForm()
    if form.validate_on_submit():
        code = (form.owner.data or "").strip()
        owner = get_by_code(code) if code else exchange.default_owner_unit(current_user)
        if code and (owner is None or not in_scope(current_user, ROLES, owner)):
            form.owner.errors.append(_("Enter the code of a locality in your area."))
        else:
            try:
                bank = bank_editor.create_bank(current_user, form.slug.data.strip(), form.title.data, owner)
            except bank_editor.BankEditError as exc:
                _attach(form, exc.errors)
            else:
                db.session.commit()
                flash(_("The bank is created."), "success")
                return redirect(url_for(".bank", slug=bank.slug))
    return render_template("organize/bank_form.html", form=form, bank=None), 400 if request.method == "POST" else 200


def _attach(form, errors: dict[str, str]) -> None:
    """Tie each service error to its form field (options errors to option A)."""
    names = {"options": "option_a", "id": "key", "slug": "slug", "title": "title"}
    for name, message in errors.items():
        field = getattr(form, names.get(name, name), None) or getattr(form, "text", None) or form.slug
        field.errors = [*field.errors, message]


@bp.get("/banks/<slug>")
@role_required(*ROLES)
def bank(slug: str):
    bank = _bank(slug)
    args = request.args
    difficulty = args.get("difficulty", "")
    filters = bank_editor.QuestionFilters(
        q=args.get("q", "")[:100], tag=args.get("tag", "")[:80],
        difficulty=int(difficulty) if difficulty in ("1", "2", "3") else None,
        competence=args.get("competence", "")[:10],
        usage=args.get("usage", "") if args.get("usage", "") in ("unused", "used", "retired") else "",
    )
    questions, usage = bank_editor.list_questions(bank, filters)
    return render_template(
        "organize/bank.html", bank=bank, questions=questions, usage=usage, filters=filters, letters=LETTERS,
        tags=bank_editor.bank_tags(bank), competences=_competence_choices(), confirm=ConfirmForm(),
        open_rounds=bank_editor.open_rounds_using(bank),
    )


@bp.route("/banks/<slug>/settings", methods=["GET", "POST"])
@role_required(*ROLES)
def bank_settings(slug: str):
    bank = _bank(slug)
    form = BankForm(obj=bank)
    del form.owner
    if form.validate_on_submit():
        try:
            bank_editor.rename_bank(bank, current_user, form.slug.data.strip(), form.title.data)
        except bank_editor.BankEditError as exc:
            _attach(form, exc.errors)
        else:
            db.session.commit()
            flash(_("The bank is saved."), "success")
            return redirect(url_for(".bank", slug=bank.slug))
    return render_template("organize/bank_form.html", form=form, bank=bank), 400 if request.method == "POST" else 200


def _question_form(question: Question | None) -> QuestionForm:
    form = QuestionForm()
    form.competence.choices = _competence_choices()
    if request.method == "GET" and question is not None:
        values = bank_editor.question_values(question)
        form.key.data, form.text.data = values["id"], values["text"]
        for field, option in zip(form.option_fields(), values["options"], strict=False):
            field.data = option
        form.correct.data = values["correct"]
        form.explanation.data = values["explanation"]
        form.competence.data = values["competence"]
        form.difficulty.data = str(values["difficulty"])
        form.tags.data = ", ".join(values["tags"])
    return form


def _raw(form: QuestionForm) -> dict:
    return {
        "id": (form.key.data or "").strip(), "text": form.text.data, "options": [f.data for f in form.option_fields()],
        "correct": form.correct.data or "", "explanation": form.explanation.data,
        "competence": form.competence.data, "difficulty": form.difficulty.data,
        "tags": [t for t in re.split(r"[,;]", form.tags.data or "") if t.strip()],
    }


@bp.route("/banks/<slug>/questions/new", methods=["GET", "POST"])
@role_required(*ROLES)
def new_question(slug: str):
    return _edit(_bank(slug), None)


@bp.route("/banks/<slug>/questions/<int32:question_id>/edit", methods=["GET", "POST"])
@role_required(*ROLES)
def edit_question(slug: str, question_id: int):
    bank = _bank(slug)
    return _edit(bank, _question(bank, question_id))


def _edit(bank: QuestionBank, question: Question | None):
    form = _question_form(question)
    open_rounds = bank_editor.open_rounds_using(bank) if question is not None else []
    if form.validate_on_submit():
        old_key = list(question.correct) if question is not None else None
        try:
            saved = bank_editor.save_question(bank, question, current_user, _raw(form))
        except bank_editor.BankEditError as exc:
            _attach(form, exc.errors)
        else:
            db.session.commit()
            flash(_("The question is saved."), "success")
            if old_key is not None and old_key != list(saved.correct) and open_rounds:
                flash(_("A round drawing from this bank is open: attempts already started keep the old right "
                        "answer; attempts started from now on use the new one."), "warning")
            return redirect(url_for(".bank", slug=bank.slug, _anchor=f"q{saved.id}"))
    return render_template("organize/question_form.html", form=form, bank=bank, question=question,
                           open_rounds=open_rounds, letters=LETTERS), 400 if request.method == "POST" else 200


@bp.route("/banks/<slug>/questions/<int32:question_id>/retire", methods=["GET", "POST"])
@role_required(*ROLES)
def retire_question(slug: str, question_id: int):
    bank = _bank(slug)
    question = _question(bank, question_id)
    if request.method == "GET":  # ask first, saying what will change (issue 15)
        return render_template(
            "organize/question_retire.html", bank=bank, question=question, confirm=ConfirmForm(),
            drawn=bank_editor.was_drawn(question), usage=bank_editor.question_usage([question.id])[question.id],
        )
    if ConfirmForm().validate_on_submit():
        outcome = bank_editor.retire_question(question, current_user)
        db.session.commit()
        flash(_("The question is retired: it is no longer drawn; attempts that drew it keep it.")
              if outcome == "retired" else _("The question is deleted (no attempt had drawn it)."), "success")
    return redirect(url_for(".bank", slug=bank.slug))


@bp.post("/banks/<slug>/questions/<int32:question_id>/restore")
@role_required(*ROLES)
def restore_question(slug: str, question_id: int):
    bank = _bank(slug)
    question = _question(bank, question_id)
    if ConfirmForm().validate_on_submit():
        bank_editor.restore_question(question, current_user)
        db.session.commit()
        flash(_("The question is drawn again."), "success")
    return redirect(url_for(".bank", slug=bank.slug))


@bp.get("/banks/<slug>/preview")
@role_required(*ROLES)
def bank_preview(slug: str):
    bank = _bank(slug)
    form = PreviewForm(request.args)
    preview = None
    if request.args and form.validate():
        tags = [t.strip().lower() for t in re.split(r"[,;]", form.tags.data or "") if t.strip()]
        mix = {"1": form.easy.data or 0, "2": form.medium.data or 0, "3": form.hard.data or 0}
        preview = bank_editor.preview_draw([bank.slug], tags, mix)
    rounds = bank_editor.rounds_using(bank.slug, unfinalized_only=True)
    return render_template("organize/bank_preview.html", bank=bank, form=form, preview=preview, rounds=rounds,
                           letters=LETTERS, now=utcnow()), 400 if request.args and preview is None else 200


@bp.get("/banks/<slug>/export/<fmt>")
@role_required(*ROLES)
def export_bank(slug: str, fmt: str):
    bank = _bank(slug)
    if fmt not in exchange.EXPORT_FORMATS:
        abort(404)
    content, filename, mimetype = exchange.export_bank(bank, fmt)
    return download(content, filename, mimetype)


@bp.route("/banks/import", methods=["GET", "POST"])
@role_required(*ROLES)
def import_bank():
    return _import(None)


@bp.route("/banks/<slug>/import", methods=["GET", "POST"])
@role_required(*ROLES)
def import_into_bank(slug: str):
    return _import(_bank(slug))


def _import(bank: QuestionBank | None):
    form = QuestionImportForm()
    form.competence.choices = [("", _("— none: every question names its own —")), *_competence_choices()]
    if bank is not None and request.method == "GET":
        form.bank.data = bank.slug
    outcome = None
    if form.validate_on_submit():
        upload = form.file.data
        slug = bank.slug if bank is not None else (form.bank.data or "").strip().lower()
        outcome = exchange.import_question_file(
            upload.stream.read(), upload.filename or "", current_user, form.format.data or None, slug, "",
            exchange.ImportDefaults(form.competence.data or "", form.difficulty.data or 1),
            bool(form.skip_unsupported.data), exchange.default_owner(current_user))
        if outcome.written:
            db.session.commit()
            flash(_("%(n)s questions imported: %(c)s new, %(u)s updated.", n=outcome.questions,
                    c=outcome.created, u=outcome.updated), "success")
            for warning in outcome.warnings:
                flash(warning, "warning")
            if outcome.bank:
                return redirect(url_for(".bank", slug=outcome.bank))
            return redirect(url_for(".index"))
        db.session.rollback()
    status = 400 if request.method == "POST" else 200
    return render_template("organize/import.html", form=form, outcome=outcome, bank=bank,
                           columns=exchange.bank_service.TEMPLATE_COLUMNS), status
