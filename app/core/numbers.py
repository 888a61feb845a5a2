"""Figures for people to read: numbers, percentages and "part / whole (rate)" in the UI's locale.

Every page, chart label and alt text formats its figures here (Babel, through Flask-Babel's
locale): Vietnamese gives "1.080", "10,5%" and "26 / 247 người (10,5%)"; English "1,080",
"10.5%". Exports and the API keep raw numbers (a spreadsheet or a program formats them itself).
"""
from __future__ import annotations

from babel import Locale
from babel.numbers import format_decimal, format_percent
from flask import has_request_context
from flask_babel import get_locale

PERCENT_PATTERN = "#,##0.0%"
NO_RATE = "—"  # a rate of nothing (denominator 0 or unknown)


def _locale() -> Locale | str:
    """The UI's locale in a request (Flask-Babel's), else Vietnamese (commands, tests)."""
    locale = get_locale() if has_request_context() else None
    return locale or "vi"


def number(value: int | float | None, decimals: int = 0) -> str:
    """A count (whole number) or a mean with ``decimals`` decimals, with the locale's separators."""
    if value is None:
        return ""
    if decimals == 0:
        return format_decimal(int(round(value)), format="#,##0", locale=_locale())
    return format_decimal(value, format="#,##0." + "0" * decimals, locale=_locale())


def percent(value: float | None) -> str:
    """A percentage given in percent (10.5 → "10,5%"), one decimal; "—" for none."""
    if value is None:
        return NO_RATE
    return format_percent(value / 100, format=PERCENT_PATTERN, locale=_locale())


def ratio(part: int, whole: int | None, value: float | None, noun: str = "") -> str:
    """ "26 / 247 người (10,5%)": the part, the whole (with what is counted) and the rate."""
    whole_text = number(whole) if whole is not None else "?"
    noun = f" {noun}" if noun else ""
    return f"{number(part)} / {whole_text}{noun} ({percent(value)})"
