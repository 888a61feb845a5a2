"""Column types shared by models."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import String
from sqlalchemy.dialects import postgresql

# Every date and time a person sees is in Vietnam's time zone; the database stores UTC.
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    """Timezone-aware now in UTC; stored as UTC, shown in Asia/Ho_Chi_Minh."""
    return datetime.now(UTC)


def binary_string(length: int) -> String:
    """A string compared byte by byte on every database.

    Materialized paths are compared with range conditions; PostgreSQL's default collation ignores
    punctuation, so the column uses the "C" collation there (SQLite compares binary already).
    """
    return String(length).with_variant(postgresql.VARCHAR(length, collation="C"), "postgresql")


def aware(value: datetime | None) -> datetime | None:
    """Datetimes read back from SQLite are naive UTC; make them aware."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
