"""Bulk import of officials (CSV/XLSX) by admins and organizers.

Existing accounts (matched by phone) are protected: an import changes only accounts living inside
the importer's area (an account with no locality only by an admin), never their contact details
(the e-mail of an existing account stays the person's own; it is set only on new accounts), and
the changes it would make are listed for the importer to confirm before anything is written
(``import_officials(..., confirmed=False)`` returns them in ``report.to_confirm``); each changed
account is then audited with its fields before and after.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts import service as accounts
from app.accounts.models import User, WorkplaceUnit
from app.accounts.scope import in_scope
from app.core import audit
from app.core.extensions import db
from app.core.tabular import ImportReport, Table
from app.core.text import fold
from app.localities.models import Locality

OFFICIAL_COLUMNS = ["phone", "full_name", "locality_code", "workplace_unit", "position"]
OPTIONAL_COLUMNS = ["email", "birth_year", "unit_headcount"]
CHANGE_ACTION = "official.import_change"


@dataclass
class AccountChange:
    """What an import would change on one existing account: ``changes`` maps a field to
    ``[before, after]`` (as text)."""

    line: int
    user_id: int
    phone: str
    full_name: str
    changes: dict[str, list] = field(default_factory=dict)


def validate_official_rows(table: Table, importer: User) -> tuple[ImportReport, list[dict]]:
    """Check every row; a row is refused when its locality is outside the importer's scope."""
    report = ImportReport(rows=len(table.rows))
    clean: list[dict] = []
    seen_phones: dict[str, int] = {}
    codes = {row.get("locality_code", "") for _line, row in table.rows}
    localities = {
        loc.code: loc for loc in db.session.scalars(select(Locality).where(Locality.code.in_(codes)))
    }
    for line, row in table.rows:
        before = len(report.errors)
        phone = accounts.normalize_phone(row.get("phone", ""))
        if phone is None:
            report.add(line, _("not a Vietnamese mobile number of 10 digits"), "phone")
        elif phone in seen_phones:
            report.add(line, _("phone number repeated (also on line %(other)s)", other=seen_phones[phone]),
                       "phone")
        else:
            seen_phones[phone] = line
        name = " ".join(row.get("full_name", "").split())
        if not name:
            report.add(line, _("name is empty"), "full_name")
        elif len(name) > 120:
            report.add(line, _("name is longer than %(n)s characters", n=120), "full_name")
        locality = localities.get(row.get("locality_code", ""))
        if locality is None:
            report.add(line, _("unknown locality code %(code)s", code=row.get("locality_code", "")[:20]),
                       "locality_code")
        elif not in_scope(importer, ("organizer",), locality):
            report.add(line, _("locality %(code)s is outside your area", code=locality.code), "locality_code")
        unit = " ".join(row.get("workplace_unit", "").split())
        if not unit:
            report.add(line, _("workplace unit is empty"), "workplace_unit")
        elif len(unit) > 200:
            report.add(line, _("workplace unit is longer than %(n)s characters", n=200), "workplace_unit")
        position = " ".join(row.get("position", "").split())
        if len(position) > 120:
            report.add(line, _("position is longer than %(n)s characters", n=120), "position")
        email = None
        if row.get("email"):
            email = accounts.normalize_email(row["email"])
            if email is None:
                report.add(line, _("e-mail address is not valid"), "email")
        birth_year = None
        if row.get("birth_year"):
            try:
                birth_year = int(float(row["birth_year"]))
                if not 1900 <= birth_year <= 2025:
                    raise ValueError
            except ValueError:
                report.add(line, _("year of birth must be between 1900 and 2025"), "birth_year")
        headcount = None
        if row.get("unit_headcount"):
            try:
                headcount = int(float(row["unit_headcount"]))
                if headcount < 0:
                    raise ValueError
            except ValueError:
                report.add(line, _("must be a whole number"), "unit_headcount")
        if len(report.errors) == before:
            clean.append({"line": line, "phone": phone, "full_name": name, "locality": locality,
                          "unit": unit, "position": position or None, "email": email,
                          "birth_year": birth_year, "headcount": headcount})
    # Accounts that already exist must also be inside the importer's area to be changed.
    phones = [r["phone"] for r in clean]
    existing = {u.phone: u for u in db.session.scalars(select(User).where(User.phone.in_(phones)))}
    emails = {r["email"] for r in clean if r["email"]}
    taken_emails = {
        u.email: u.phone for u in db.session.scalars(select(User).where(User.email.in_(emails)))
    } if emails else {}
    for r in clean:
        user = existing.get(r["phone"])
        if user is not None and not _may_change(importer, user):
            report.add(r["line"], _("this phone number belongs to a person outside your area"), "phone")
        if user is None and r["email"] and r["email"] in taken_emails:
            report.add(r["line"], _("e-mail address already used by another account"), "email")
    return report, clean


def change_labels() -> dict[str, str]:
    """How the fields of an ``AccountChange`` read (confirmation list and audit)."""
    return {"full_name": _("Full name"), "kind": _("Kind of account"), "locality": _("Locality"),
            "workplace_unit": _("Workplace unit"), "position": _("Position"), "birth_year": _("Year of birth")}


def _may_change(importer: User, user: User) -> bool:
    """An existing account is the importer's to change when it lives inside their area (one with
    no locality yet: only an admin's), and it is a citizen's or an official's."""
    if user.kind not in ("citizen", "official"):
        return False
    if user.locality is None:
        return importer.has_role("admin")
    return in_scope(importer, ("organizer",), user.locality)


def planned_changes(clean: list[dict], existing: dict[str | None, User]) -> list[AccountChange]:
    """The changes the rows would make to existing accounts (only fields that differ)."""
    found = []
    for r in clean:
        user = existing.get(r["phone"])
        if user is None:
            continue
        unit = user.workplace_unit.name if user.workplace_unit else None
        pairs = {
            "full_name": (user.full_name, r["full_name"]),
            "kind": (user.kind, "official"),
            "locality": (user.locality.code if user.locality else None, r["locality"].code),
            "workplace_unit": (unit, r["unit"]),
            "position": (user.position, r["position"]),
            "birth_year": (user.birth_year, r["birth_year"] or user.birth_year),
        }
        changes = {name: [before, after] for name, (before, after) in pairs.items() if before != after}
        if changes:
            found.append(AccountChange(r["line"], user.id, user.phone or "", user.full_name, changes))
    return found


def import_officials(table: Table, importer: User, progress: Callable[[int], None] | None = None,
                     confirmed: bool = False) -> ImportReport:
    """Validate every row, then create or update the officials (caller commits).

    When rows would change existing accounts and the importer has not ``confirmed`` them, nothing
    is written: the changes are returned in ``report.to_confirm`` (``AccountChange`` each).
    New accounts get a random password: the official sets their own through "forgot password".
    """
    report, clean = validate_official_rows(table, importer)
    if not report.ok:
        return report
    existing = {
        u.phone: u for u in db.session.scalars(select(User).where(User.phone.in_([r["phone"] for r in clean])))
    }
    report.to_confirm = planned_changes(clean, existing)
    if report.to_confirm and not confirmed:
        return report
    changed = {change.user_id: change for change in report.to_confirm}
    units: dict[tuple[int, str], WorkplaceUnit] = {}
    for r in clean:
        key = (r["locality"].id, r["unit"])
        if key not in units:
            units[key] = accounts.find_or_create_unit(r["unit"], r["locality"], r["headcount"])
        user = existing.get(r["phone"])
        if user is None:
            user = User(phone=r["phone"], full_name=r["full_name"])
            user.set_password(secrets.token_urlsafe(24))
            db.session.add(user)
            report.created += 1
            if r["email"]:
                user.email = r["email"]  # contact details only on new accounts
        elif user.id in changed:
            report.updated += 1
            audit.record(importer, CHANGE_ACTION, "user", user.id, changes=changed[user.id].changes)
        else:
            report.unchanged += 1
        user.full_name = r["full_name"]
        user.search_name = fold(r["full_name"])
        user.kind = "official"
        user.locality = r["locality"]
        user.workplace_unit = units[key]
        user.position = r["position"]
        if r["birth_year"]:
            user.birth_year = r["birth_year"]
        if progress:
            progress(1)
    db.session.flush()
    return report
