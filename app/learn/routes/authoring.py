"""Authoring in the browser (organizers): courses, lessons and steps, Markdown preview, uploads.

Content is province-wide (courses belong to no locality), so any organizer may edit any course.
"""
from __future__ import annotations

import yaml
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.accounts.scope import role_required
from app.core import audit
from app.core.extensions import db
from app.learn import authoring
from app.learn.content import render_markdown
from app.learn.forms import CourseForm, LessonForm, NewStepForm, StepForm
from app.learn.models import Course, Lesson, Step
from app.learn.routes import bp

ORGANIZER = ("organizer",)


def _get(model, object_id: int | None):
    obj = db.session.get(model, object_id) if object_id is not None else None
    if obj is None:
        abort(404)
    return obj


def _data(form) -> dict:
    return {name: f.data for name, f in form._fields.items()}


def _attach(form, exc: authoring.AuthoringError) -> None:
    field = getattr(form, exc.field, None)
    if field is not None:
        field.errors = [*field.errors, str(exc)]


@bp.get("/author/")
@role_required(*ORGANIZER)
def author_index():
    courses = db.session.scalars(select(Course).order_by(Course.position, Course.title)).all()
    return render_template("learn/author/index.html", courses=courses)


@bp.route("/author/new", methods=["GET", "POST"])
@bp.route("/author/course/<int32:course_id>", methods=["GET", "POST"])
@role_required(*ORGANIZER)
def author_course(course_id: int | None = None):
    """Create or edit a course; the page also lists its lessons and adds new ones."""
    course = _get(Course, course_id) if course_id else None
    form = CourseForm(obj=course)
    if course is not None and request.method == "GET":
        form.competences.data = ", ".join(course.competences)
        form.order.data = course.position
    if form.validate_on_submit():
        try:
            course = authoring.save_course(course, _data(form))
        except authoring.AuthoringError as exc:
            db.session.rollback()
            _attach(form, exc)
        else:
            audit.record(current_user, "course.save", "course", course.id, slug=course.slug)
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("learn.author_course", course_id=course.id))
    return render_template("learn/author/course.html", form=form, course=course)


def _lesson_form(lesson: Lesson | None) -> LessonForm:
    form = LessonForm(obj=lesson)
    if lesson is not None and request.method == "GET":
        form.competences.data = ", ".join(lesson.competences)
        form.order.data = lesson.position
    return form


@bp.route("/author/course/<int32:course_id>/lessons/new", methods=["GET", "POST"])
@bp.route("/author/lesson/<int32:lesson_id>", methods=["GET", "POST"])
@role_required(*ORGANIZER)
def author_lesson(course_id: int | None = None, lesson_id: int | None = None):
    """Create or edit a lesson: fields, Markdown introduction with preview, video uploads, steps."""
    lesson = _get(Lesson, lesson_id) if lesson_id else None
    course = lesson.course if lesson else _get(Course, course_id)
    form = _lesson_form(lesson)
    preview = None
    if form.validate_on_submit():
        if form.preview.data:
            preview = render_markdown(form.body.data)
        else:
            try:
                lesson = authoring.save_lesson(lesson, course, _data(form), request.files)
            except authoring.AuthoringError as exc:
                db.session.rollback()
                _attach(form, exc)
            else:
                audit.record(current_user, "lesson.save", "lesson", lesson.id, slug=lesson.slug)
                db.session.commit()
                flash(_("Saved."), "success")
                return redirect(url_for("learn.author_lesson", lesson_id=lesson.id))
    return render_template("learn/author/lesson.html", form=form, lesson=lesson, course=course,
                           preview=preview, new_step=NewStepForm(formdata=None))


@bp.post("/author/lesson/<int32:lesson_id>/steps")
@role_required(*ORGANIZER)
def author_add_step(lesson_id: int):
    lesson = _get(Lesson, lesson_id)
    form = NewStepForm()
    if not form.validate_on_submit():
        flash(_("Give the new step a title."), "error")
        return redirect(url_for("learn.author_lesson", lesson_id=lesson.id))
    step = authoring.add_step(lesson, form.title.data)
    db.session.commit()
    return redirect(url_for("learn.author_step", step_id=step.id))


@bp.route("/author/step/<int32:step_id>", methods=["GET", "POST"])
@role_required(*ORGANIZER)
def author_step(step_id: int):
    """Edit a step: instruction with preview, image, narration, check question, rehearsal form."""
    step = _get(Step, step_id)
    form = StepForm(obj=step)
    if request.method == "GET":
        if step.check:
            form.check_question.data = step.check.get("question")
            form.check_options.data = "\n".join(map(str, step.check.get("options", [])))
            form.check_answer.data = step.check.get("answer")
        if step.rehearsal:
            form.rehearsal.data = yaml.safe_dump(step.rehearsal, allow_unicode=True, sort_keys=False)
    preview = None
    if form.validate_on_submit():
        if form.preview.data:
            preview = render_markdown(form.body.data)
        else:
            try:
                authoring.save_step(step, _data(form), request.files)
            except authoring.AuthoringError as exc:
                db.session.rollback()
                _attach(form, exc)
            else:
                audit.record(current_user, "step.save", "step", step.id, key=step.key)
                db.session.commit()
                flash(_("Saved."), "success")
                return redirect(url_for("learn.author_lesson", lesson_id=step.lesson_id))
    return render_template("learn/author/step.html", form=form, step=step, preview=preview)


@bp.post("/author/step/<int32:step_id>/move")
@role_required(*ORGANIZER)
def author_move_step(step_id: int):
    step = _get(Step, step_id)
    authoring.move_step(step, -1 if request.form.get("direction") == "up" else 1)
    db.session.commit()
    return redirect(url_for("learn.author_lesson", lesson_id=step.lesson_id) + "#steps")


@bp.route("/author/step/<int32:step_id>/delete", methods=["GET", "POST"])
@role_required(*ORGANIZER)
def author_delete_step(step_id: int):
    step = _get(Step, step_id)
    if request.method == "GET":  # ask first, saying what will change (issue 15)
        return render_template("learn/author/step_delete.html", step=step, lesson=step.lesson,
                               learners=authoring.step_learners(step))
    lesson_id = step.lesson_id
    authoring.delete_step(step)
    audit.record(current_user, "step.delete", "step", step_id)
    db.session.commit()
    flash(_("The step was deleted."), "success")
    return redirect(url_for("learn.author_lesson", lesson_id=lesson_id) + "#steps")
