"""Forms every domain shares."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField
from wtforms.validators import ValidationError


class TableUploadForm(FlaskForm):
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
