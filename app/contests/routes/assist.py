"""A community helper registers people of their area for a contest (issue 15, item 7): citizens
without a phone, or registering at the commune office. These registrations are not held to the
per-address registration limit (a commune office registers many people from one address), count
and are audited under the helper's name, and the review queue shows them as such."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.models import User
from app.accounts.scope import role_required
from app.contests import service as contest_service
from app.contests import voiding
from app.contests.organize_forms import ConfirmForm
from app.contests.routes.participant import bp
from app.core.extensions import db, limiter


def _contest(slug: str):
    contest = contest_service.get_contest(slug[:80])
    if contest is None or not contest.published or not voiding.can_assist(current_user, contest):
        abort(404)
    return contest


@bp.route("/<slug>/assist", methods=["GET", "POST"])
@role_required(*voiding.HELPER_ROLES)
@limiter.limit("300 per hour", key_func=lambda: f"helper:{current_user.id}", methods=["POST"])
def assist(slug: str):
    contest = _contest(slug)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        citizen_id = request.form.get("citizen", type=int)
        citizen = db.session.get(User, citizen_id) if citizen_id else None
        if citizen is None:
            abort(400)
        try:
            voiding.register_assisted(current_user, contest, citizen)
        except voiding.VoidingError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("%(name)s is registered for the contest.", name=citizen.full_name), "success")
        return redirect(url_for(".assist", slug=slug, q=request.args.get("q", "")))
    term = request.args.get("q", "")[:120]
    found = voiding.helper_candidates(current_user, contest, term)
    registered = voiding.registered_among(contest, [u.id for u in found])
    return render_template(
        "contests/assist.html", contest=contest, form=form, term=term, found=found, registered=registered,
        mine=voiding.assisted_by(current_user, contest),
    )
