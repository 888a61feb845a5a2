"""The administrative tree (province → district → commune → village, any depth) and workplace units."""
from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import binary_string

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


class Locality(db.Model):
    """One administrative unit.

    ``path`` is the materialized path of codes from the root, e.g. ``/70/689/25432/``; every subtree
    query is a range condition on it (see ``app.services.localities.subtree_clause``).
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

    def is_active_on(self, day: date) -> bool:
        return self.dissolved_on is None or day < self.dissolved_on

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<Locality {self.code} {self.type} {self.name}>"


class WorkplaceUnit(db.Model):
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
