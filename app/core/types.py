"""Column types shared by models."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, Dialect, String, TypeDecorator
from sqlalchemy.dialects import postgresql

# Every date and time a person sees is in Vietnam's time zone; the database stores UTC.
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    """Timezone-aware now in UTC; stored as UTC, shown in Asia/Ho_Chi_Minh."""
    return datetime.now(UTC)


def local_today() -> date:
    """Today's date in Asia/Ho_Chi_Minh (a due date, a report date, "today" on every page): the
    server's own date differs from 17:00 to 24:00 UTC."""
    return utcnow().astimezone(TZ).date()


def binary_string(length: int) -> String:
    """A string compared byte by byte on every database.

    Materialized paths are compared with range conditions; PostgreSQL's default collation ignores
    punctuation, so the column uses the "C" collation there (SQLite compares binary already).
    """
    return String(length).with_variant(postgresql.VARCHAR(length, collation="C"), "postgresql")


class _SQLiteUTCDateTime(TypeDecorator[datetime]):
    """SQLite has no time zones: store the UTC wall time, read it back aware (UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


# The one column type of every date-time: ``timestamptz`` on PostgreSQL (whose driver returns
# aware datetimes, with no per-row Python work), UTC wall time on SQLite read back aware. Every
# datetime a model loads is therefore timezone-aware, whatever the database.
UTCDateTime = DateTime(timezone=True).with_variant(_SQLiteUTCDateTime(), "sqlite")
