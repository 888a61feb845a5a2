"""The administrative tree (province → district → commune → village, any depth) and workplace units."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.extensions import Model
from app.core.types import UTCDateTime, binary_string

if TYPE_CHECKING:
    from app.accounts.models import User

LOCALITY_TYPES = (
    "Tỉnh",
    "Thành phố trực thuộc trung ương",
    "Thành phố",
    "Thị xã",
    "Huyện",
    "Quận",
    "Xã",
    "Phường",
    "Thị trấn",
    "Đặc khu",
    "Thôn",
    "Ấp",
    "Bản",
    "Buôn",
    "Khu phố",
    "Tổ dân phố",
    "Khu",
    "Làng",
    "Sóc",
    "Xóm",
    "Khóm",
)


# Below the commune: a person's village means little to others without its commune.
VILLAGE_TYPES = frozenset({"Thôn", "Ấp", "Bản", "Buôn", "Khu phố", "Tổ dân phố", "Khu", "Làng", "Sóc",
                           "Xóm", "Khóm"})


def place_label(kind: str, name: str, parent_kind: str | None = None, parent_name: str | None = None) -> str:
    """How a place is shown to the public: "Xã Tân Thành", or "Ấp 1, Xã Tân Thành" for a village."""
    label = f"{kind} {name}"
    if kind in VILLAGE_TYPES and parent_name:
        label = f"{label}, {parent_kind} {parent_name}"
    return label


class Locality(Model):
    """One administrative unit.

    ``path`` is the materialized path of codes from the root, e.g. ``/70/689/25432/``; every subtree
    query is a range condition on it (see ``app.localities.service.subtree_clause``).
    """

    __tablename__ = "localities"
    __table_args__ = (
        CheckConstraint("length(code) > 0", name="code_not_empty"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint("depth >= 0", name="depth_non_negative"),
        Index("ix_localities_parent_id_name", "parent_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # Accent-free lower-case name for searching Vietnamese names without diacritics.
    search_name: Mapped[str] = mapped_column(String(120), index=True, default="")
    type: Mapped[str] = mapped_column(String(40))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("localities.id", ondelete="RESTRICT"), index=True
    )
    path: Mapped[str] = mapped_column(binary_string(400), index=True)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    population: Mapped[int | None] = mapped_column(Integer)
    headcount: Mapped[int | None] = mapped_column(Integer)
    dissolved_on: Mapped[date | None] = mapped_column(Date)
    is_demo: Mapped[bool] = mapped_column(default=False)

    parent: Mapped[Locality | None] = relationship(remote_side=[id])

    @property
    def label(self) -> str:
        return f"{self.type} {self.name}"

    @property
    def place_label(self) -> str:
        """The label with the commune added for a village (see ``place_label``)."""
        parent = self.parent if self.type in VILLAGE_TYPES else None
        return place_label(self.type, self.name, parent.type if parent else None, parent.name if parent else None)

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<Locality {self.code} {self.type} {self.name}>"


# --- the tree as it was before a reorganization, and people waiting to be placed (app.localities.reorganize)


class LocalityHistory(Model):
    """The tree as it was before the reorganization of ``valid_until`` (one row per unit)."""

    __tablename__ = "locality_history"
    __table_args__ = (Index("ix_locality_history_valid_until_path", "valid_until", "path"),)

    valid_until: Mapped[date] = mapped_column(Date, primary_key=True)
    locality_id: Mapped[int] = mapped_column(
        ForeignKey("localities.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))
    type: Mapped[str] = mapped_column(String(40))
    parent_id: Mapped[int | None] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(binary_string(400))
    depth: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def label(self) -> str:
        return f"{self.type} {self.name}"


class PendingPlacement(Model):
    """A person of a split unit waiting for a manager of one of the new units to place them."""

    __tablename__ = "pending_placements"
    __table_args__ = (
        UniqueConstraint("user_id", "effective_on", name="uq_pending_placements_user_id_effective_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    old_locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"))
    effective_on: Mapped[date] = mapped_column(Date)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    old_locality: Mapped[Locality] = relationship(lazy="joined")


class PlacementCandidate(Model):
    """One new unit a pending person may be placed in (lets managers' scope filter by path in SQL)."""

    __tablename__ = "placement_candidates"

    placement_id: Mapped[int] = mapped_column(
        ForeignKey("pending_placements.id", ondelete="CASCADE"), primary_key=True
    )
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"), primary_key=True, index=True)
