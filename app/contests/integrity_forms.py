"""Forms of the organizer's integrity pages: thresholds, voiding and restoring, allowances."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.core.forms import TranslatedForm


class ThresholdsForm(TranslatedForm):
    seconds_per_question = IntegerField(
        _l("Implausibly fast: under this many seconds per question"), validators=[NumberRange(0, 600)]
    )
    high_score_percent = IntegerField(
        _l("... for a score of at least (percent of the questions)"), validators=[NumberRange(1, 100)]
    )
    accounts_per_address = IntegerField(
        _l("Flag more accounts than this from one address or device"), validators=[NumberRange(2, 10000)]
    )
    same_answers_seconds = IntegerField(
        _l("Identical answers submitted within (seconds)"), validators=[NumberRange(0, 86400)]
    )
    focus_lost_max = IntegerField(
        _l("Flag leaving the page more times than"), validators=[NumberRange(0, 10000)]
    )
    submit = SubmitField(_l("Save the thresholds"))


class ReasonForm(TranslatedForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=300)])
    submit = SubmitField(_l("Confirm"))


class AllowanceForm(TranslatedForm):
    extra_minutes = IntegerField(_l("Extra minutes"), default=0, validators=[Optional(), NumberRange(0, 60)])
    extra_attempts = IntegerField(_l("Extra attempts"), default=0, validators=[Optional(), NumberRange(0, 5)])
    reason = StringField(
        _l("Reason"), validators=[DataRequired(), Length(max=300)],
        description=_l("For example: a disability, or a proven network outage."),
    )
    submit = SubmitField(_l("Grant"))
