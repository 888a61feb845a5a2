"""Accounts: registration, login, password reset and role grants."""
from __future__ import annotations

import re
import uuid

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import RoleGrant, User, WorkplaceUnit
from app.accounts.tokens import revoke_tokens
from app.core import audit, messaging
from app.core.extensions import db
from app.core.text import fold
from app.core.types import utcnow
from app.localities.models import Locality

# Vietnamese mobile prefixes (after the 2018 renumbering): Viettel 032–039, 086, 096–098;
# Vinaphone 081–085, 088, 091, 094; MobiFone 070, 076–079, 089, 090, 093; Vietnamobile 052,
# 056, 058, 092; Gmobile 059, 099; Itelecom/Reddi 087, 055.
MOBILE_PREFIXES = frozenset(
    ["032", "033", "034", "035", "036", "037", "038", "039",
     "052", "055", "056", "058", "059",
     "070", "076", "077", "078", "079",
     "081", "082", "083", "084", "085", "086", "087", "088", "089",
     "090", "091", "092", "093", "094", "096", "097", "098", "099"]
)
PASSWORD_MIN = 8
PASSWORD_MAX = 128


class AccountError(ValueError):
    """A rule about accounts was broken; the message is shown to the person."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def normalize_phone(raw: str) -> str | None:
    """A Vietnamese mobile number in its 10-digit 0xxxxxxxxx form, or None when it is not one.

    Accepts spaces, dots and dashes, and the +84 / 84 country prefix.
    """
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not re.fullmatch(r"0\d{9}", digits) or digits[:3] not in MOBILE_PREFIXES:
        return None
    return digits


def normalize_email(raw: str) -> str | None:
    """A syntactically valid e-mail address in lower case, or None."""
    try:
        return validate_email((raw or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def parse_login(raw: str) -> tuple[str, str]:
    """Split a login into ``("phone", number)`` or ``("email", address)``; raises AccountError."""
    raw = (raw or "").strip()
    if "@" in raw:
        email = normalize_email(raw)
        if email is None:
            raise AccountError(_("This e-mail address is not valid."), "login")
        return "email", email
    phone = normalize_phone(raw)
    if phone is None:
        raise AccountError(
            _("Enter a Vietnamese mobile number of 10 digits (for example 0912345678) or an e-mail address."),
            "login",
        )
    return "phone", phone


def check_password_rules(password: str) -> None:
    if len(password or "") < PASSWORD_MIN:
        raise AccountError(_("The password must have at least %(n)s characters.", n=PASSWORD_MIN), "password")
    if len(password) > PASSWORD_MAX:
        raise AccountError(_("The password must have at most %(n)s characters.", n=PASSWORD_MAX), "password")


def find_by_login(raw: str) -> User | None:
    try:
        kind, value = parse_login(raw)
    except AccountError:
        return None
    column = User.phone if kind == "phone" else User.email
    return db.session.scalar(select(User).where(column == value))


def register_user(login: str, password: str, full_name: str, locality: Locality | None,
                  birth_year: int | None = None, kind: str = "citizen") -> User:
    """Create a citizen account; the unique constraint on phone/e-mail decides duplicates."""
    field, value = parse_login(login)
    check_password_rules(password)
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise AccountError(_("Enter your full name."), "full_name")
    if len(full_name) > 120:
        raise AccountError(_("The name is too long (at most %(n)s characters).", n=120), "full_name")
    user = User(full_name=full_name, search_name=fold(full_name), locality=locality,
                birth_year=birth_year, kind=kind, **{field: value})
    user.set_password(password)
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError as exc:
        raise AccountError(_("An account with this phone number or e-mail already exists."), "login") from exc
    return user


def authenticate(login: str, password: str) -> User | None:
    """The active account matching ``login`` and ``password``, else None."""
    user = find_by_login(login)
    if user is None or not user.is_active or not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    return user


def change_password(user: User, new_password: str) -> None:
    """Set a new password and end the person's other sessions: their session id changes, and
    every bearer token of the JSON API is revoked (a phone logged in to the app logs in again)."""
    check_password_rules(new_password)
    user.set_password(new_password)
    user.session_version = (user.session_version or 1) + 1
    revoke_tokens(user.id)


def end_sessions(user: User) -> None:
    """Log the person out everywhere (at logout): the session id a cookie carries holds
    ``session_version``, which changes here, so a copy of the session cookie is no longer
    accepted (the user loader compares it). Bearer tokens of the JSON API stay valid."""
    user.session_version = (user.session_version or 1) + 1


DELETED_NAME = "Người dùng đã xoá"  # what an erased account is called wherever it still appears


def delete_account(user: User, password: str) -> None:
    """Erase the person's account at their request (Decree 13/2023/NĐ-CP), once their password is
    confirmed (``AccountError`` otherwise; caller commits).

    The row stays, anonymised, so that contest results stay as anonymous rows and rankings and
    tallies do not change: name, phone, e-mail, year of birth, workplace, position and password
    are erased, the account is closed (``active`` false, every session and API token ended), its
    roles, message preferences and queued messages deleted; each domain erases or anonymises its
    own rows (``app.core.personal_data.register_eraser``: contest entries anonymised, certificates
    revoked...). The locality stays: it only counts the person in their area's tallies.
    """
    from app.core.models import MessagePreference, OutboxMessage
    from app.core.personal_data import run_erasers

    if not user.check_password(password or ""):
        raise AccountError(_("The password is not right."), "password")
    run_erasers(user)
    audit.record(user, "account.delete", "user", user.id)
    revoke_tokens(user.id)
    db.session.execute(delete(MessagePreference).where(MessagePreference.user_id == user.id))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.user_id == user.id))
    user.grants.clear()
    user.full_name, user.search_name = DELETED_NAME, fold(DELETED_NAME)
    user.phone = user.email = user.password_hash = None
    user.birth_year, user.workplace_unit, user.position = None, None, None
    user.active = False
    user.deleted_at = utcnow()
    user.session_version = (user.session_version or 1) + 1
    db.session.flush()


# --- password reset ----------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def send_reset_link(user: User, link: str) -> int | None:
    """Queue the password-reset link to the person (a security message: nobody can opt out of it),
    commit, and try to deliver it at once; a failed try is retried by ``flask notify send``.
    Returns the message id (None when the person has no reachable address)."""
    subject = _("Reset your Công Dân Số password")
    body = _("Open this link to choose a new password: %(link)s", link=link)
    message_id = messaging.enqueue_one(
        "password_reset", user, messaging.Content(subject, body, {"link": link}), uuid.uuid4().hex
    )
    db.session.commit()
    if message_id is not None:
        messaging.send_now([message_id])
    return message_id


def make_reset_token(user: User) -> str:
    """A signed token naming the account and a fingerprint of its current password hash.

    Using it changes the hash, so the token works once; it also expires after
    ``PASSWORD_RESET_MAX_AGE`` seconds.
    """
    return _serializer().dumps({"u": user.id, "h": (user.password_hash or "")[-16:],
                                "v": user.session_version})


def user_for_reset_token(token: str) -> User | None:
    """The account a still-valid, unused token was made for, or None."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, data.get("u"))
    if user is None or (user.password_hash or "")[-16:] != data.get("h") \
            or user.session_version != data.get("v"):
        return None
    return user


# --- roles and officials --------------------------------------------------------------------------

def grant_role(user: User, role: str, locality: Locality | None) -> RoleGrant:
    """Give ``user`` a role over ``locality``'s subtree (admins: everywhere)."""
    existing = next((g for g in user.grants if g.role == role and g.locality_id ==
                     (locality.id if locality else None)), None)
    if existing:
        return existing
    grant = RoleGrant(role=role, locality=locality)
    user.grants.append(grant)
    return grant


def find_or_create_unit(name: str, locality: Locality, headcount: int | None = None) -> WorkplaceUnit:
    """The workplace unit called ``name`` in ``locality``, created when missing."""
    unit = db.session.scalar(
        select(WorkplaceUnit).where(WorkplaceUnit.locality_id == locality.id, WorkplaceUnit.name == name)
    )
    if unit is None:
        unit = WorkplaceUnit(name=name, search_name=fold(name), locality=locality, headcount=headcount)
        db.session.add(unit)
        db.session.flush()
    elif headcount is not None:
        unit.headcount = headcount
    return unit
