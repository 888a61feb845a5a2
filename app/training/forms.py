"""Forms of the training area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.core.forms import PlausibleDate


class AssignmentForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    course_id = SelectField(_l("Course"), coerce=int, validators=[DataRequired()])
    locality_code = SelectField(
        _l("Target area"),
        validators=[DataRequired()],
        description=_l("Everyone living in this unit and the units below it."),
    )
    target_role = SelectField(_l("Role"), validators=[Optional()])
    target_position = StringField(_l("Position (exact, optional)"), validators=[Optional(), Length(max=120)])
    workplace_unit_id = SelectField(_l("Workplace unit (optional)"), coerce=int, validators=[Optional()])
    due_on = DateField(_l("Due date"), validators=[DataRequired(), PlausibleDate()])
    test_questions = IntegerField(
        _l("Final test questions (0 = no test)"), default=0, validators=[NumberRange(min=0, max=50)]
    )
    pass_mark = IntegerField(_l("Pass mark (%)"), validators=[Optional(), NumberRange(min=1, max=100)])


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=300)])
