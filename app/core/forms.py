"""Forms every domain shares, and the base class every form of the app derives from."""
from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField
from wtforms.validators import ValidationError


class _BabelTranslations:
    """WTForms' own messages ("This field is required.", "Field cannot be longer than…") looked up
    in the app's catalog (WTForms ships no Vietnamese). WTForms formats the result itself, so this
    returns the raw translation, unformatted."""

    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string) if has_request_context() else string

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if not has_request_context():
            return singular if n == 1 else plural
        return get_translations().ungettext(singular, plural, n)


_TRANSLATIONS = _BabelTranslations()


class TranslatedForm(FlaskForm):
    """The base of every form: FlaskForm (CSRF) whose built-in validator messages are translated
    through the app's Babel catalog. tests/test_i18n.py checks every form of the app derives from it."""

    class Meta:
        def get_translations(self, form: Any) -> _BabelTranslations:
            return _TRANSLATIONS


def _wtforms_messages() -> None:  # pragma: no cover - never called
    """Marks WTForms' and Flask-WTF's default messages for extraction into the app's catalog."""
    from flask_babel import gettext, ngettext

    ngettext("Field must be at least %(min)d character long.",
             "Field must be at least %(min)d characters long.", 1)
    ngettext("Field cannot be longer than %(max)d character.",
             "Field cannot be longer than %(max)d characters.", 1)
    ngettext("Field must be exactly %(max)d character long.",
             "Field must be exactly %(max)d characters long.", 1)
    ngettext("'%(value)s' is not a valid choice for this field.",
             "'%(value)s' are not valid choices for this field.", 1)
    gettext("Field must be between %(min)d and %(max)d characters long.")
    gettext("Number must be at least %(min)s.")
    gettext("Number must be at most %(max)s.")
    gettext("Number must be between %(min)s and %(max)s.")
    gettext("Date must be at least %(min)s.")
    gettext("Date must be at most %(max)s.")
    gettext("Date must be between %(min)s and %(max)s.")
    gettext("This field is required.")
    gettext("Invalid input.")
    gettext("Invalid email address.")
    gettext("Invalid URL.")
    gettext("Invalid value, must be one of: %(values)s.")
    gettext("Invalid value, can't be any of: %(values)s.")
    gettext("This field cannot be edited.")
    gettext("This field is disabled and cannot have a value.")
    gettext("Invalid CSRF Token.")
    gettext("CSRF token missing.")
    gettext("CSRF failed.")
    gettext("CSRF token expired.")
    gettext("Invalid Choice: could not coerce.")
    gettext("Not a valid choice.")
    gettext("Invalid choice(s): one or more data inputs could not be coerced.")
    gettext("Not a valid datetime value.")
    gettext("Not a valid date value.")
    gettext("Not a valid time value.")
    gettext("Not a valid integer value.")
    gettext("Not a valid decimal value.")
    gettext("Not a valid float value.")
    gettext("File does not have an approved extension: {extensions}")
    gettext("File does not have an approved extension.")


class TableUploadForm(TranslatedForm):
    file = FileField(_l("File (CSV or XLSX)"), validators=[FileRequired(_l("Choose a file to upload."))])
    submit = SubmitField(_l("Check and import"))


class PlausibleDate:
    """A date or time between the years ``first`` and ``last`` (2000 to 2100 by default): a year-1
    date is a typing slip, and turning it into UTC (or adding a round's days) overflows."""

    def __init__(self, first: int = 2000, last: int = 2100) -> None:
        self.first, self.last = first, last

    def __call__(self, form, field) -> None:
        value = field.data
        if value is not None and not self.first <= value.year <= self.last:
            raise ValidationError(_l("Enter a date between the years %(first)s and %(last)s.",
                                     first=self.first, last=self.last))
