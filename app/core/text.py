"""Text helpers for Vietnamese."""
from __future__ import annotations

import unicodedata


def fold(text: str | None) -> str:
    """Lower-case ``text`` without Vietnamese diacritics: "Đăng ký Khai sinh" → "dang ky khai sinh".

    Stored beside names (``search_name`` columns) so searches ignore accents on every database.
    """
    if not text:
        return ""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(stripped.lower().split())


def mask_name(full_name: str) -> str:
    """Mask a full name for public boards: "Nguyễn Văn An" → "Nguyễn V. A"."""
    parts = full_name.split()
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0][0] + "."
    return " ".join([parts[0]] + [p[0] + "." for p in parts[1:-1]] + [parts[-1][0]])


def mask_phone(phone: str | None) -> str:
    """A phone number as a helper sees it: "0912345678" → "091****678" (enough to recognise, not
    to call)."""
    if not phone:
        return ""
    if len(phone) <= 6:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 6) + phone[-3:]
