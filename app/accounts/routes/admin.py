"""Administration of people: accounts, roles over parts of the tree, the officials' import."""
from __future__ import annotations

import re
import secrets
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.accounts import officials
from app.accounts import service as accounts
from app.accounts.forms import ConfirmImportForm, GrantForm
from app.accounts.models import User
from app.accounts.scope import ensure_in_scope, in_scope, role_required, scope_filter
from app.core import audit
from app.core.extensions import db
from app.core.forms import TableUploadForm
from app.core.personal_data import VIEWED, record_access
from app.core.tabular import TableError, read_table, write_csv
from app.core.text import fold, mask_phone
from app.localities import service as localities
from app.localities.models import Locality

bp = Blueprint("admin", __name__, template_folder="../templates")

STAFF = ("helper", "organizer", "manager")
PAGE_SIZE = 50


@bp.get("/")
@role_required(*STAFF)
def index():
    grants = list(current_user.grants)
    return render_template("admin/index.html", grants=grants)


@bp.get("/users")
@role_required("manager", "organizer", "helper")
def users():
    """People in the staff member's area, searchable by name without accents or by phone (the
    viewing is audited; a helper sees phone numbers masked)."""
    record_access(VIEWED, _("List of people"), q=(request.args.get("q") or "")[:100])
    term = (request.args.get("q") or "").strip()[:100]
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    query = select(User).join(Locality, User.locality_id == Locality.id).where(
        scope_filter(current_user, ("manager", "organizer", "helper"), Locality.path))
    code = (request.args.get("locality") or "").strip()[:20]
    unit = None
    if code:
        unit = localities.get_by_code(code)
        if unit is None:
            abort(404)
        ensure_in_scope(unit, "manager", "organizer", "helper")
        query = query.where(localities.subtree_clause(Locality.path, unit.path))
    if term:
        phone = accounts.normalize_phone(term)
        query = query.where(User.phone == phone) if phone else query.where(
            User.search_name.contains(fold(term), autoescape=True))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    people = db.session.scalars(
        query.order_by(User.search_name).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    # A helper (without a manager's, organizer's or admin's role) sees phone numbers masked.
    full_phones = current_user.has_role("admin", "manager", "organizer")
    return render_template("admin/users.html", people=people, term=term, unit=unit, page=page,
                           total=total, page_size=PAGE_SIZE,
                           shown_phone=(lambda phone: phone or "") if full_phones else mask_phone)


@bp.route("/users/<int32:user_id>/roles", methods=["GET", "POST"])
@role_required("admin", "manager")
def user_roles(user_id: int):
    """Grant or revoke roles. Managers may only make helpers, inside their own area."""
    person = db.session.get(User, user_id)
    if person is None or person.locality is None and not current_user.has_role("admin"):
        abort(404)
    if person.locality is not None:
        ensure_in_scope(person.locality, "manager")
    form = GrantForm()
    if not current_user.has_role("admin"):
        form.role.choices = [c for c in form.role.choices if c[0] == "helper"]
    if form.validate_on_submit():
        unit = localities.get_by_code(form.locality_code.data.strip())
        if unit is None:
            form.locality_code.errors.append(_("Unknown locality code."))
        elif not in_scope(current_user, ("manager",), unit):
            form.locality_code.errors.append(_("This locality is outside your area."))
        else:
            role = form.role.data
            accounts.grant_role(person, role, None if role == "admin" else unit)
            audit.record(current_user, "grant_role", "user", person.id, role=role, locality=unit.code)
            db.session.commit()
            flash(_("Role granted."), "success")
            return redirect(url_for("admin.user_roles", user_id=person.id))
    return render_template("admin/user_roles.html", person=person, form=form), \
        400 if request.method == "POST" else 200


@bp.post("/users/<int32:user_id>/roles/<int32:grant_id>/revoke")
@role_required("admin", "manager")
def revoke_role(user_id: int, grant_id: int):
    person = db.session.get(User, user_id)
    grant = next((g for g in person.grants if g.id == grant_id), None) if person else None
    if person is None or grant is None:
        abort(404)
    if not current_user.has_role("admin") and (grant.role != "helper" or not in_scope(
            current_user, ("manager",), grant.locality)):
        abort(403)
    person.grants.remove(grant)
    audit.record(current_user, "revoke_role", "user", person.id, role=grant.role)
    db.session.commit()
    flash(_("Role removed."), "success")
    return redirect(url_for("admin.user_roles", user_id=person.id))


PENDING_IMPORT = "officials_import"  # session key: the token of the upload awaiting confirmation


def _pending_dir() -> Path:
    path = Path(current_app.instance_path) / "pending-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _keep_upload(data: bytes, filename: str) -> str:
    """Keep an upload whose changes await confirmation; its token is also kept in the session,
    so that only the person who uploaded it can confirm it."""
    token = secrets.token_hex(16)
    suffix = ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"
    (_pending_dir() / f"{token}{suffix}").write_bytes(data)
    session[PENDING_IMPORT] = token
    return token


def _take_upload(token: str) -> tuple[bytes, str] | None:
    """The kept upload of ``token`` (removed from disk), if it is this session's."""
    if session.pop(PENDING_IMPORT, None) != token or not re.fullmatch(r"[0-9a-f]{32}", token):
        return None
    for suffix in (".csv", ".xlsx"):
        path = _pending_dir() / f"{token}{suffix}"
        if path.exists():
            data = path.read_bytes()
            path.unlink()
            return data, f"officials{suffix}"
    return None


@bp.route("/officials/import", methods=["GET", "POST"])
@role_required("organizer")
def import_officials():
    """Upload officials (phone, name, locality, unit, position); all rows checked first. Changes to
    existing accounts are listed and written only once the importer confirms them."""
    form, confirm = TableUploadForm(), ConfirmImportForm()
    report, error, token = None, None, None
    upload: tuple[bytes, str] | None = None
    confirmed = request.method == "POST" and "token" in request.form
    if confirmed:
        if confirm.validate_on_submit():
            upload = _take_upload(confirm.token.data)
        if upload is None:
            error = _("This import is no longer waiting for confirmation: upload the file again.")
    elif form.validate_on_submit():
        upload = (form.file.data.stream.read(), form.file.data.filename or "")
    if upload is not None:
        try:
            table = read_table(upload[0], upload[1], officials.OFFICIAL_COLUMNS)
        except TableError as exc:
            error = str(exc)
        else:
            report = officials.import_officials(table, current_user, confirmed=confirmed)
            if report.ok and report.to_confirm and not confirmed:
                db.session.rollback()
                token = _keep_upload(upload[0], upload[1])
                confirm.token.data = token
            elif report.ok:
                audit.record(current_user, "import_officials", "user", None,
                             created=report.created, updated=report.updated)
                db.session.commit()
                flash(_("Import finished: %(c)s created, %(u)s updated.", c=report.created,
                        u=report.updated), "success")
            else:
                db.session.rollback()
    failed = request.method == "POST" and (error or form.errors or (report and not report.ok))
    return render_template(
        "admin/officials_import.html", form=form, confirm=confirm, report=report, error=error,
        token=token, title=_("Import officials"), columns=officials.OFFICIAL_COLUMNS,
        optional=officials.OPTIONAL_COLUMNS, template_url=url_for("admin.officials_template"),
        field_labels=officials.change_labels(),
    ), 400 if failed else 200


@bp.get("/officials/template.csv")
@role_required("organizer")
def officials_template():
    body = write_csv(officials.OFFICIAL_COLUMNS + officials.OPTIONAL_COLUMNS,
                     [["0912345678", "Nguyễn Văn An", "25432", "UBND xã Tân Thành", "Công chức văn hóa - xã hội",
                       "", "1985", "25"]])
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=officials-template.csv"})
