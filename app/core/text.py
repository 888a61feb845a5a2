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


# --- Vietnamese collation ----------------------------------------------------------------------
# Without ICU, names sort by this key (``sorted(names, key=collation_key)``), which follows the
# Vietnamese dictionary order:
#
# 1. letters by the Vietnamese alphabet a ă â b c d đ e ê (f) g h i (j) k l m n o ô ơ p q r s t
#    u ư v (w) x y (z), ignoring case and tone marks; digits as whole numbers ("Ấp 2" before
#    "Ấp 10"); a space before any letter ("An Lộc" before "Anh");
# 2. then, for names equal so far, tones in the order ngang, huyền, hỏi, ngã, sắc, nặng
#    (a à ả ã á ạ);
# 3. then the text itself, so that the order is total and stable.
#
# So "Đồng Xoài" sorts after "Dương" and before "Em", never after "Z" as a code-point sort does.

_ALPHABET = {c: i for i, c in enumerate("aăâbcdđeêfghijklmnoôơpqrstuưvwxyz")}
_TONE_MARKS = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền hỏi ngã sắc nặng
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve (ă), circumflex (â ê ô), horn (ơ ư)


def _clusters(text: str) -> list[tuple[str, int]]:
    """Each base character with its letter marks composed (NFC), and its tone (0: ngang)."""
    out: list[tuple[str, int]] = []
    for ch in unicodedata.normalize("NFD", text.lower()):
        if unicodedata.category(ch) == "Mn" and out:
            base, tone = out[-1]
            if ch in _TONE_MARKS:
                out[-1] = (base, _TONE_MARKS[ch])
            elif ch in _LETTER_MARKS:
                out[-1] = (unicodedata.normalize("NFC", base + ch), tone)
            continue
        out.append((ch, 0))
    return out


def collation_key(text: str | None) -> tuple:
    """The sort key of ``text`` in Vietnamese order (see the rules above)."""
    text = text or ""
    primary: list[tuple[int, int]] = []
    tones: list[int] = []
    digits = ""
    for base, tone in _clusters(text):
        if base.isdigit():
            digits += base
            continue
        if digits:
            primary.append((1, int(digits)))
            digits = ""
        if base in _ALPHABET:
            primary.append((2, _ALPHABET[base]))
            tones.append(tone)
        elif base.isspace():
            primary.append((0, 0))
        else:
            primary.append((3, ord(base)))
    if digits:
        primary.append((1, int(digits)))
    return (tuple(primary), tuple(tones), text)


def mask_phone(phone: str | None) -> str:
    """A phone number as a helper sees it: "0912345678" → "091****678" (enough to recognise, not
    to call)."""
    if not phone:
        return ""
    if len(phone) <= 6:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 6) + phone[-3:]
