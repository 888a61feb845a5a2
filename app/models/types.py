"""Column types shared by models."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import String
from sqlalchemy.dialects import postgresql


def utcnow() -> datetime:
    """Timezone-aware now in UTC; stored as UTC, shown in Asia/Ho_Chi_Minh."""
    return datetime.now(UTC)


def binary_string(length: int) -> String:
    """A string compared byte by byte on every database.

    Materialized paths are compared with range conditions; PostgreSQL's default collation ignores
    punctuation, so the column uses the "C" collation there (SQLite compares binary already).
    """
    return String(length).with_variant(postgresql.VARCHAR(length, collation="C"), "postgresql")
