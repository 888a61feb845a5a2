"""Register, log in, log out, reset and change password, edit the profile and the messages one
receives."""
from __future__ import annotations

import json

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.accounts import service as accounts
from app.accounts.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    LoginForm,
    MessagePreferencesForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from app.accounts.service import AccountError
from app.core import messaging, personal_data
from app.core.exports import download
from app.core.extensions import db, limiter
from app.core.text import fold
from app.core.types import utcnow
from app.core.urls import local_path
from app.localities.picker import read_picker

bp = Blueprint("auth", __name__, template_folder="../templates")


def _safe_next(target: str | None) -> str:
    return local_path(target) or url_for("main.index")


def _login_key() -> str:
    """Rate-limit key for one account: the normalized login typed into the web form or sent in the
    API's JSON body."""
    raw = request.form.get("login")
    if raw is None:
        body = request.get_json(silent=True)
        raw = body.get("login") if isinstance(body, dict) else None
    if not isinstance(raw, str):
        raw = ""
    try:
        return "login:" + accounts.parse_login(raw)[1]
    except AccountError:
        return "login:" + raw.strip().lower()[:254]


def _failed_login(response) -> bool:
    """Only refused logins count towards the login limits: a person who logs in and out ten
    times a day (a helper's shared phone, a class) is never locked out by their own successes.
    A success answers 302 on the form, 201 on the API."""
    return response.status_code not in (201, 302)


# One limit per account shared by every way of logging in (the web form and ``POST
# /api/v1/auth/token``): only failed attempts count, and once LOGIN_LIMIT_PER_ACCOUNT failures are
# reached both answer 429.
login_account_limit = limiter.shared_limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], scope="login-account", key_func=_login_key,
    methods=["POST"], deduct_when=_failed_login,
)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"], deduct_when=_failed_login)
@login_account_limit
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = accounts.authenticate(form.login.data, form.password.data)
        if user is None:
            form.password.errors.append(_("Wrong phone number/e-mail or password."))
        else:
            login_user(user)
            db.session.commit()
            flash(_("Welcome, %(name)s!", name=user.full_name), "success")
            return redirect(_safe_next(form.next.data))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        accounts.end_sessions(current_user)  # a copied session cookie ends with this one
        db.session.commit()
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: f"{current_app.config['REGISTRATIONS_PER_IP_PER_HOUR']} per hour",
               methods=["POST"], deduct_when=lambda response: response.status_code == 302)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    picker = read_picker()
    if request.method == "POST" and not picker.drilling:
        valid = form.validate()
        # Every error at once: the login's and password's rules are checked now, not only after
        # the rest of the form (and the place) are right.
        for field, check in ((form.login, accounts.parse_login), (form.password, accounts.check_password_rules)):
            if not field.errors:
                try:
                    check(field.data)
                except AccountError as exc:
                    field.errors = [*field.errors, str(exc)]
                    valid = False
        if picker.error or picker.selected is None:
            valid = False
        if valid:
            try:
                user = accounts.register_user(form.login.data, form.password.data, form.full_name.data,
                                              picker.selected, form.birth_year.data)
            except AccountError as exc:
                getattr(form, exc.field or "login").errors.append(str(exc))
            else:
                db.session.commit()
                login_user(user)
                flash(_("Your account is ready."), "success")
                return redirect(url_for("main.index"))
    status = 400 if request.method == "POST" and not picker.drilling else 200
    picker_error = picker.error or (
        _("Choose where you live.") if status == 400 and picker.selected is None else None)
    return render_template("auth/register.html", form=form, picker=picker,
                           picker_error=picker_error), status


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = accounts.find_by_login(form.login.data)
        if user is not None and user.is_active:
            token = accounts.make_reset_token(user)
            # From PUBLIC_BASE_URL, never from the request's Host header (which anyone can set).
            accounts.send_reset_link(user, messaging.public_url("auth.reset_password", token=token))
        # Same answer whether or not the account exists, so logins cannot be probed.
        flash(_("If an account exists for this login, a reset link has been sent to it."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = accounts.user_for_reset_token(token)
    if user is None:
        flash(_("This reset link is invalid, expired or already used."), "error")
        return redirect(url_for("auth.reset_request"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(user, form.password.data)
        except AccountError as exc:
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Your password has been changed. Log in with the new one."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("The current password is wrong."))
        else:
            try:
                accounts.change_password(current_user, form.password.data)
            except AccountError as exc:
                form.password.errors.append(str(exc))
            else:
                db.session.commit()
                login_user(current_user._get_current_object())  # this session continues with its new id
                flash(_("Password changed. Your other sessions have been logged out."), "success")
                return redirect(url_for("auth.profile"))
    return render_template("auth/password.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user
    form = ProfileForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.workplace_unit.data = user.workplace_unit.name if user.workplace_unit else ""
    picker = read_picker(default=user.locality)
    if request.method == "POST" and not picker.drilling:
        valid = form.validate() and not picker.error and picker.selected is not None
        if valid and picker.selected is not None:
            user.full_name = " ".join(form.full_name.data.split())
            user.search_name = fold(user.full_name)
            user.birth_year = form.birth_year.data
            user.locality = picker.selected
            if user.kind == "official":
                unit_name = " ".join((form.workplace_unit.data or "").split())
                if unit_name:
                    user.workplace_unit = accounts.find_or_create_unit(unit_name, picker.selected)
                user.position = (form.position.data or "").strip() or None
            db.session.commit()
            flash(_("Your profile has been saved."), "success")
            return redirect(url_for("auth.profile"))
    status = 400 if request.method == "POST" and not picker.drilling else 200
    picker_error = picker.error or (
        _("Choose where you live.") if status == 400 and picker.selected is None else None)
    return render_template("auth/profile.html", form=form, picker=picker, picker_error=picker_error,
                           user=user), status


@bp.route("/messages", methods=["GET", "POST"])
@login_required
def message_preferences():
    """Which kinds of message the person receives (security messages always) and on which channel."""
    pref = messaging.preferences(current_user.id)
    form = MessagePreferencesForm(data={"channel": pref.channel or ""} if request.method == "GET" else None)
    kinds = messaging.optional_kinds()
    if form.validate_on_submit():
        wanted = set(request.form.getlist("receive"))
        messaging.save_preferences(current_user.id, [k.name for k in kinds if k.name not in wanted],
                                   form.channel.data or None)
        db.session.commit()
        flash(_("Your message choices have been saved."), "success")
        return redirect(url_for("auth.message_preferences"))
    return render_template("auth/messages.html", form=form, kinds=kinds, opted_out=set(pref.opted_out or []),
                           user=current_user), 400 if request.method == "POST" else 200


@bp.get("/my-data")
@login_required
def my_data():
    """Everything the product holds about the person, as a JSON download (Decree 13/2023)."""
    data = {"exported_at": utcnow().isoformat(), "person": current_user.id, **personal_data.collect(current_user)}
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    return download(body, f"my-data-{current_user.id}.json", "application/json")


@bp.route("/delete-account", methods=["GET", "POST"])
@login_required
def delete_account():
    """Erase one's own account, once the password is confirmed (results stay as anonymous rows)."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            accounts.delete_account(current_user, form.password.data)
        except AccountError as exc:
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            logout_user()
            flash(_("Your account is deleted. Your contest results stay, without your name."), "info")
            return redirect(url_for("main.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/delete_account.html", form=form), status
