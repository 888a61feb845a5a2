"""People and the roles they hold over parts of the administrative tree."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.core.extensions import Model, db
from app.core.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.localities.models import Locality

# Every role a person can hold. "citizen" and "official" are what a person is (User.kind);
# the others are granted, helper/organizer/manager over a locality subtree, admin everywhere.
ROLES = ("citizen", "helper", "official", "organizer", "manager", "admin")
GRANTED_ROLES = ("helper", "organizer", "manager", "admin")
KINDS = ("citizen", "official")


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "phone IS NOT NULL OR email IS NOT NULL OR is_assisted OR deleted_at IS NOT NULL",
            name="has_login_or_assisted",
        ),
        CheckConstraint("kind IN ('citizen', 'official')", name="kind_valid"),
        CheckConstraint("length(full_name) > 0", name="full_name_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One account per phone number: the unique constraint is the rule, not a Python check.
    phone: Mapped[str | None] = mapped_column(String(10), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(120))
    search_name: Mapped[str] = mapped_column(String(120), index=True, default="")
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    kind: Mapped[str] = mapped_column(String(10), default="citizen")
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("localities.id"), index=True)
    workplace_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("workplace_units.id"), index=True
    )
    position: Mapped[str | None] = mapped_column(String(120))
    # An account a helper created for someone without a phone; they never log in themselves.
    is_assisted: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on every password change: sessions carrying an older value are ended.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    locale: Mapped[str | None] = mapped_column(String(5))
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the person deleted their account: the row stays, anonymised, so that contest
    # results, rankings and tallies do not change (accounts.service.delete_account).
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Loaded on use: the current user is read on every request and rarely needs these.
    locality: Mapped[Locality | None] = relationship()
    workplace_unit: Mapped[WorkplaceUnit | None] = relationship()
    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin",
        foreign_keys="RoleGrant.user_id",
    )

    # --- Flask-Login -----------------------------------------------------------------------
    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active and not self.is_assisted

    # --- passwords -------------------------------------------------------------------------
    def set_password(self, password: str) -> None:
        from flask import current_app, has_app_context

        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return self.password_hash is not None and check_password_hash(self.password_hash, password)

    # --- roles -----------------------------------------------------------------------------
    @property
    def roles(self) -> set[str]:
        return {self.kind} | {g.role for g in self.grants}

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    @property
    def login(self) -> str:
        return self.phone or self.email or f"#{self.id}"

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<User {self.id} {self.login}>"


class RoleGrant(Model):
    """A role held over a locality subtree (``locality_id`` NULL means everywhere, admins only)."""

    __tablename__ = "role_grants"
    __table_args__ = (
        CheckConstraint(
            "role IN ('helper', 'organizer', 'manager', 'admin')", name="role_valid"
        ),
        CheckConstraint("role = 'admin' OR locality_id IS NOT NULL", name="scoped_roles_have_locality"),
        db.UniqueConstraint("user_id", "role", "locality_id", name="uq_role_grants_user_role_locality"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("localities.id"), index=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="grants", foreign_keys=[user_id])
    locality: Mapped[Locality | None] = relationship(lazy="joined")


class WorkplaceUnit(Model):
    """An agency where officials work (UBND xã, Sở TT&TT, ...), located in a locality."""

    __tablename__ = "workplace_units"
    __table_args__ = (
        UniqueConstraint("locality_id", "name", name="uq_workplace_units_locality_name"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint("headcount IS NULL OR headcount >= 0", name="headcount_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    search_name: Mapped[str] = mapped_column(String(200), default="")
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"), index=True)
    headcount: Mapped[int | None] = mapped_column(Integer)

    locality: Mapped[Locality] = relationship()


class ApiToken(Model):
    """A bearer token for the JSON API; only the SHA-256 of the token is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")
