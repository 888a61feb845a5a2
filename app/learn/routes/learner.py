"""Learning pages: catalogue, course, lesson (video or steps), step player, media, My learning, assist."""
from __future__ import annotations

from flask import abort, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.scope import in_scope, role_required, scope_filter
from app.competency.framework import get_framework
from app.core.extensions import db
from app.learn import offline
from app.learn import progress as learning
from app.learn.forms import AssistedCitizenForm
from app.learn.media import image_size, media_response, parse_webvtt, read_media
from app.learn.models import Course, Lesson, MediaFile
from app.learn.routes import bp
from app.localities.models import Locality

ASSIST_KEY = "assist_session_id"


@bp.before_app_request
def load_assisted_session() -> None:
    """``g.assist``: the open assisted session of the helper using this browser, if any."""
    g.assist = None
    if ASSIST_KEY in session and current_user.is_authenticated:
        g.assist = learning.open_session(current_user, session.get(ASSIST_KEY))
        if g.assist is None:
            session.pop(ASSIST_KEY, None)


@bp.app_context_processor
def assist_banner() -> dict:
    return {"assist": getattr(g, "assist", None)}


@bp.app_template_filter("image_size")
def image_size_filter(media) -> tuple[int, int] | None:
    """``{% set size = step.image|image_size %}``: the picture's width and height, or None."""
    return image_size(media)


def learner() -> tuple[int | None, int | None]:
    """(whose progress is saved, helper beside them): the citizen during an assisted session."""
    if getattr(g, "assist", None) is not None:
        return g.assist.citizen_id, g.assist.helper_id
    if current_user.is_authenticated:
        return current_user.id, None
    return None, None


def _can_preview() -> bool:
    return current_user.is_authenticated and current_user.has_role("organizer", "admin")


def _lesson_or_404(course_slug: str, lesson_slug: str) -> Lesson:
    lesson = learning.find_lesson(course_slug, lesson_slug, include_drafts=_can_preview())
    if lesson is None:
        abort(404)
    return lesson


def continue_learning():
    """The home page's "continue learning" card (nothing when there is nowhere to continue)."""
    user_id, _helper = learner()
    found = learning.next_step(user_id)
    if found is None:
        return None
    return Markup(render_template("learn/_continue.html", next=found))


# --- catalogue -------------------------------------------------------------------------------------

@bp.get("/")
def catalogue():
    """Published courses filtered by audience and topic; the search ignores Vietnamese accents."""
    query = (request.args.get("q") or "").strip()[:100]
    audience = request.args.get("audience", "")
    topic = request.args.get("topic", "")
    courses = learning.published_courses()
    entries = learning.catalogue(query, audience, topic, courses)
    used = sorted({code for c in courses for code in c.competences}
                  | {code for c in courses for lesson in c.lessons for code in lesson.competences},
                  key=lambda c: [int(x) for x in c.split(".")])
    competences = get_framework().competences
    topics = [(code, competences[code].name()) for code in used if code in competences]
    user_id, _helper = learner()
    progress = learning.course_progress(user_id, [e.course for e in entries])
    return render_template("learn/catalogue.html", entries=entries, query=query, audience=audience,
                           topic=topic, topics=topics, progress=progress)


@bp.get("/me")
@login_required
def my_learning():
    """The person's lessons in progress and completed, with each course's progress bar."""
    rows = learning.my_learning(current_user.id)
    courses = list({row.lesson.course.id: row.lesson.course for row in rows}.values())
    return render_template("learn/my_learning.html", rows=rows, courses=courses,
                           progress=learning.course_progress(current_user.id, courses))


@bp.get("/media/<token>")
def media(token: str):
    """A lesson's image, video, captions or audio: Range requests, ETag, long cache lifetime."""
    item = db.session.scalar(select(MediaFile).where(MediaFile.token == token[:40]))
    if item is None:
        abort(404)
    return media_response(item)


@bp.get("/<course_slug>/offline.json")
@login_required
def offline_package(course_slug: str):
    """The course packed for learning without a network (pages, media, sizes, grading rules)."""
    item = db.session.scalar(select(Course).where(Course.slug == course_slug[:80]))
    if item is None or item.status != "published":
        abort(404)
    lessons = [lesson for lesson in item.lessons if lesson.status == "published"]
    response = jsonify(offline.offline_package(item, lessons))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/offline/progress")
@login_required
def offline_token():
    """A fresh CSRF token for sending the progress queued offline (cached pages may hold an old one)."""
    response = jsonify({"csrf": generate_csrf()})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/offline/progress")
@login_required
def offline_progress():
    """Steps completed offline, sent when the network returns: idempotent, the server's record wins."""
    body = request.get_json(silent=True)
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        return jsonify({"error": _("Send a list of items.")}), 400
    user_id, helper_id = learner()
    if user_id is None:  # login_required: cannot happen, keeps the types honest
        abort(401)
    result = offline.record_offline_progress(user_id, items, helper_id)
    db.session.commit()
    return jsonify(result)


@bp.get("/<course_slug>/")
def course(course_slug: str):
    item = db.session.scalar(select(Course).where(Course.slug == course_slug[:80]))
    if item is None or (item.status != "published" and not _can_preview()):
        abort(404)
    lessons = [lesson for lesson in item.lessons if lesson.status == "published" or _can_preview()]
    user_id, _helper = learner()
    completed = {lesson.id for lesson in lessons
                 if (p := learning.lesson_progress(user_id, lesson)) and p.completed_at}
    return render_template("learn/course.html", course=item, lessons=lessons, completed=completed,
                           progress=learning.course_progress(user_id, [item])[item.id])


@bp.get("/<course_slug>/<lesson_slug>/")
def lesson(course_slug: str, lesson_slug: str):
    """Lesson start page; a video lesson shows its player, captions and transcript here."""
    item = _lesson_or_404(course_slug, lesson_slug)
    user_id, _helper = learner()
    progress = learning.lesson_progress(user_id, item)
    transcript = []
    if item.kind == "video" and item.captions is not None:
        cues, _problems = parse_webvtt(read_media(item.captions).decode("utf-8", "replace"))
        transcript = cues
    return render_template("learn/lesson.html", lesson=item, progress=progress, transcript=transcript,
                           resume=learning.resume_step(user_id, item),
                           done=learning.done_keys(user_id, item), watched_share=learning.WATCHED_SHARE,
                           show_video=not g.low_data or request.args.get("show") == "video")


@bp.post("/<course_slug>/<lesson_slug>/watched")
def watched(course_slug: str, lesson_slug: str):
    """The player's report of how much was played; then on to the lesson's question, if any."""
    item = _lesson_or_404(course_slug, lesson_slug)
    if item.kind != "video":
        abort(404)
    user_id, helper_id = learner()
    counted = learning.record_viewing(user_id, item, request.form.get("played", type=float),
                                      request.form.get("duration", type=float), helper_id)
    db.session.commit()
    if not counted and not item.steps:
        flash(_("Watch most of the video first: the lesson is done when you have seen it."), "info")
        return redirect(url_for("learn.lesson", course_slug=course_slug, lesson_slug=lesson_slug))
    if item.steps:
        return redirect(url_for("learn.step", course_slug=course_slug, lesson_slug=lesson_slug, number=1))
    return redirect(url_for("learn.lesson_done", course_slug=course_slug, lesson_slug=lesson_slug))


@bp.route("/<course_slug>/<lesson_slug>/step/<int32:number>", methods=["GET", "POST"])
def step(course_slug: str, lesson_slug: str, number: int):
    """One step per screen. POST moves on: a check must be answered right, a rehearsal filled right."""
    item = _lesson_or_404(course_slug, lesson_slug)
    if not 1 <= number <= len(item.steps):
        abort(404)
    current = item.steps[number - 1]
    user_id, helper_id = learner()
    mistakes: dict[str, str] = {}
    wrong_choice = None
    layout = learning.new_check_layout()
    no_choice = False
    if request.method == "POST":
        if current.rehearsal:
            values = {f["name"]: request.form.get("f_" + f["name"], "")[:200]
                      for f in current.rehearsal["fields"]}
            mistakes = learning.submit_rehearsal(user_id, item, current, values, helper_id)
            ok = not mistakes
        elif current.check and not request.form.get("choice"):
            ok, no_choice = False, True  # nothing chosen: ask for a choice, record no wrong answer
            layout = (request.form.get("layout") or "")[:32] or layout  # the same order again
        elif current.check:
            layout = (request.form.get("layout") or "")[:32] or learning.new_check_layout()
            sent = (request.form.get("choice") or "")[:16]
            choice = learning.check_choice(current, layout, sent)
            ok = learning.answer_check(user_id, item, current, choice, helper_id)
            wrong_choice = None if ok else sent
        else:
            ok = True
            if user_id is not None:
                learning.mark_done(user_id, item, current.key, helper_id)
        db.session.commit()
        if ok:
            if current.rehearsal or current.check:
                flash(_("Right! Well done."), "success")
            if number < len(item.steps):
                return redirect(url_for("learn.step", course_slug=course_slug, lesson_slug=lesson_slug,
                                        number=number + 1))
            return redirect(url_for("learn.lesson_done", course_slug=course_slug, lesson_slug=lesson_slug))
    status = 422 if mistakes or wrong_choice is not None or no_choice else 200
    options = learning.check_options(current, layout) if current.check else []
    return render_template("learn/step.html", lesson=item, step=current, number=number, total=len(item.steps),
                           mistakes=mistakes, wrong_choice=wrong_choice, no_choice=no_choice,
                           values=request.form, layout=layout, check_options=options,
                           done=learning.done_keys(user_id, item),
                           show_image=not g.low_data or request.args.get("show") == "image"), status


@bp.get("/<course_slug>/<lesson_slug>/done")
def lesson_done(course_slug: str, lesson_slug: str):
    item = _lesson_or_404(course_slug, lesson_slug)
    user_id, _helper = learner()
    done = learning.done_keys(user_id, item)
    missing = [(n, s) for n, s in enumerate(item.steps, 1) if s.key not in done]
    following = next((other for other in item.course.lessons
                      if other.position > item.position and other.status == "published"), None)
    return render_template("learn/done.html", lesson=item, progress=learning.lesson_progress(user_id, item),
                           missing=missing, video_missing=item.kind == "video" and "video" not in done,
                           following=following)


# --- assisted learning -----------------------------------------------------------------------------

@bp.get("/assist/")
@role_required("helper")
def assist():
    """A helper's page: find or create a citizen, start a session, see sessions and village counts."""
    term = (request.args.get("q") or "").strip()[:100]
    form = AssistedCitizenForm()
    form.locality_id.choices = _helper_villages()
    return render_template("learn/assist.html", term=term, found=learning.find_citizens(current_user, term),
                           form=form, sessions=learning.helper_sessions(current_user),
                           counts=learning.village_counts(current_user))


def _helper_villages() -> list[tuple[int, str]]:
    rows = db.session.scalars(select(Locality).where(scope_filter(current_user, ("helper",), Locality.path))
                              .order_by(Locality.depth.desc(), Locality.name).limit(200))
    return [(loc.id, loc.label) for loc in rows]


def _begin(citizen: User):
    assisted = learning.start_session(current_user, citizen)
    db.session.commit()
    session[ASSIST_KEY] = assisted.id
    flash(_("You are now learning with %(name)s. Their progress is saved as assisted by you.",
            name=citizen.full_name), "success")
    return redirect(url_for("learn.catalogue"))


@bp.post("/assist/start/<int32:user_id>")
@role_required("helper")
def assist_start(user_id: int):
    citizen = db.session.get(User, user_id)
    if citizen is None or not in_scope(current_user, ("helper",), citizen.locality):
        abort(404)
    try:
        return _begin(citizen)
    except learning.LearningError as exc:
        flash(str(exc), "error")
        return redirect(url_for("learn.assist"))


@bp.post("/assist/new")
@role_required("helper")
def assist_new():
    """Create an assisted account on the spot (no phone needed) and start learning with them."""
    form = AssistedCitizenForm()
    form.locality_id.choices = _helper_villages()
    if form.validate_on_submit():
        locality = db.get_or_404(Locality, form.locality_id.data)
        try:
            citizen = learning.create_assisted_citizen(current_user, form.full_name.data, locality,
                                                       form.birth_year.data, form.phone.data or None)
            return _begin(citizen)
        except learning.LearningError as exc:
            db.session.rollback()
            form.full_name.errors.append(str(exc))
    return render_template("learn/assist.html", term="", found=[], form=form,
                           sessions=learning.helper_sessions(current_user),
                           counts=learning.village_counts(current_user)), 422


@bp.post("/assist/<int32:assisted_session_id>/end")
@role_required("helper")
def assist_end(assisted_session_id: int):
    assisted = learning.open_session(current_user, assisted_session_id)
    if assisted is None:
        abort(404)
    learning.end_session(assisted)
    db.session.commit()
    session.pop(ASSIST_KEY, None)
    flash(_("The assisted session has ended."), "success")
    return redirect(url_for("learn.assist"))
