"""Forms of the training area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import PlausibleDate, TranslatedForm


class AssignmentForm(TranslatedForm):
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
    test_banks = SelectMultipleField(
        _l("Question banks of the test"), validators=[Optional()],
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        description=_l("The test draws only from these banks (none chosen: every bank)."),
    )
    test_competences = SelectMultipleField(
        _l("Competences of the test"), validators=[Optional()],
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        description=_l("The test draws only questions of these competences (none chosen: the course's)."),
    )
    test_attempts = IntegerField(
        _l("Attempts allowed"), default=3, validators=[Optional(), NumberRange(min=1, max=20)]
    )
    test_wait_minutes = IntegerField(
        _l("Minutes to wait between attempts"), default=0,
        validators=[Optional(), NumberRange(min=0, max=10080)],
    )


class RevokeForm(TranslatedForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=300)])
