"""Models of the API's own endpoints (health, time, localities) for the OpenAPI document."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class PartState(BaseModel):
    """The state of one part the app depends on."""

    ok: bool
    backend: str | None = Field(None, description="The database's dialect (`postgresql`, `sqlite`).")
    error: str | None = Field(None, description="The kind of failure, when `ok` is false.")


class Health(BaseModel):
    """The state of the database and, when configured, of Redis."""

    database: PartState
    redis: PartState | None = Field(None, description="Absent when the app runs without Redis.")
    status: Literal["ok", "degraded", "down"] = Field(
        description="`degraded`: Redis is down and the site works without it; `down`: the database is down.")


class ServerTime(BaseModel):
    """The server's clock."""

    now: datetime = Field(description="Now, in UTC.")
    local: datetime = Field(description="Now, in Asia/Ho_Chi_Minh.")
    timezone: Literal["Asia/Ho_Chi_Minh"]


class LocalityOut(BaseModel):
    """A unit of the administrative tree (province, commune, village, …)."""

    id: int
    code: str = Field(description="The official code (GSO), e.g. `70` for a province.")
    name: str
    type: str = Field(description="The kind of unit in Vietnamese: `Tỉnh`, `Xã`, `Phường`, `Thôn`, …")
    label: str = Field(description="Kind and name, as shown to people: `Xã Tân Thành`; among a unit's "
                       "children, a name that repeats gets its code: `Ấp 1 (2531801)`.")
    depth: int = Field(description="0 for a province, 1 for the level below, and so on.")


class Localities(BaseModel):
    """Units that exist today."""

    localities: list[LocalityOut]


class LocalityChildren(BaseModel):
    """A unit and the units directly under it that exist today."""

    parent: LocalityOut
    localities: list[LocalityOut]
