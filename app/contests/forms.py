"""Forms of the participant pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.core.forms import TranslatedForm

GROUP_LABELS = {"citizen": _l("Citizens"), "official": _l("Officials")}


class RegisterEntryForm(TranslatedForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    birth_year = IntegerField(_l("Year of birth"), validators=[Optional(), NumberRange(1900, 2025)])
    grp = RadioField(_l("I take part as"), choices=[], validators=[DataRequired()])
    unit = StringField(
        _l("Workplace unit"),
        validators=[Optional(), Length(max=200)],
        description=_l("Officials only: the agency you work for"),
    )
    submit = SubmitField(_l("Register"))


class PracticeForm(TranslatedForm):
    banks = SelectMultipleField(_l("Question banks"), choices=[], validators=[DataRequired()])
    count = IntegerField(
        _l("Number of questions"), default=10, validators=[DataRequired(), NumberRange(1, 40)]
    )
    submit = SubmitField(_l("Start practising"))
