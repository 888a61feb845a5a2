"""Forms of the organizer pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from app.contests.ranking import CRITERION_LABELS
from app.core.forms import PlausibleDate, TranslatedForm

CRITERIA_CHOICES = [("", _l("— none —")), *CRITERION_LABELS.items()]


class ContestForm(TranslatedForm):
    slug = StringField(
        _l("Short name (in the address)"),
        validators=[
            DataRequired(),
            Length(max=80),
            Regexp(r"^[a-z0-9][a-z0-9-]*$", message=_l("Use a-z, 0-9 and dashes.")),
        ],
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    rules = TextAreaField(_l("Rules"), validators=[Optional(), Length(max=20000)])
    groups = SelectMultipleField(
        _l("Audience groups (ranked separately)"),
        choices=[("citizen", _l("Citizens")), ("official", _l("Officials"))],
        validators=[DataRequired()],
    )
    eligibility = StringField(
        _l("Open to the locality with code"),
        validators=[DataRequired(), Length(max=20)],
        description=_l("Everyone living in this unit and below may register."),
    )
    published = BooleanField(_l("Published"), default=True)
    issuer = StringField(
        _l("Issuing authority on the winners' certificates"),
        validators=[Optional(), Length(max=200)],
        description=_l("For example: Sở Thông tin và Truyền thông tỉnh Bình Phước."),
    )
    collective_units = IntegerField(
        _l("Collective prizes for workplace units (how many)"), default=3, validators=[NumberRange(0, 50)]
    )
    collective_localities = IntegerField(
        _l("Collective prizes for localities (how many)"), default=3, validators=[NumberRange(0, 50)]
    )
    collective_min_rate = IntegerField(
        _l("Minimum participation rate for a collective prize (percent, optional)"),
        validators=[Optional(), NumberRange(0, 100)],
        description=_l(
            "Participation rate = participants in the round ÷ members of the unit. Units are ranked by "
            "it, then by average score; leave empty to rank every unit with a known headcount."
        ),
    )
    submit = SubmitField(_l("Save"))


class RoundForm(TranslatedForm):
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    opens_at = DateTimeLocalField(
        _l("Opens (Vietnam time)"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(), PlausibleDate()]
    )
    closes_at = DateTimeLocalField(
        _l("Closes (Vietnam time)"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(), PlausibleDate()]
    )
    banks = SelectMultipleField(_l("Question banks"), choices=[], validators=[DataRequired()])
    tags = StringField(
        _l("Only questions with these tags (comma separated, optional)"),
        validators=[Optional(), Length(max=300)],
    )
    easy = IntegerField(_l("Easy questions"), default=10, validators=[NumberRange(0, 100)])
    medium = IntegerField(_l("Medium questions"), default=10, validators=[NumberRange(0, 100)])
    hard = IntegerField(_l("Hard questions"), default=10, validators=[NumberRange(0, 100)])
    time_limit = IntegerField(
        _l("Time limit (minutes)"), default=15, validators=[DataRequired(), NumberRange(1, 60)]
    )
    attempts_allowed = IntegerField(
        _l("Attempts allowed per person (the best counts)"),
        default=1,
        validators=[DataRequired(), NumberRange(1, 20)],
    )
    grace_seconds = IntegerField(
        _l("Grace for late submissions (seconds)"), default=10, validators=[NumberRange(0, 120)]
    )
    prediction_enabled = BooleanField(_l("Ask the prediction question"), default=True)
    review_after_close = BooleanField(
        _l("Show answers and explanations after the round closes"), default=True
    )
    auto_finalize = BooleanField(
        _l("Finalize by itself when the round closes"),
        default=False,
        description=_l("The final ranking is computed by the scheduled job once the round and its grace are over."),
    )
    prizes = TextAreaField(
        _l("Prizes, one per line: label: count"),
        default="Giải Nhất: 1\nGiải Nhì: 2\nGiải Ba: 3",
        validators=[Optional(), Length(max=2000)],
    )
    criterion_1 = SelectField(_l("Ranking criterion 1"), choices=CRITERIA_CHOICES, default="score")
    criterion_2 = SelectField(_l("Ranking criterion 2"), choices=CRITERIA_CHOICES, default="prediction")
    criterion_3 = SelectField(_l("Ranking criterion 3"), choices=CRITERIA_CHOICES, default="duration")
    criterion_4 = SelectField(_l("Ranking criterion 4"), choices=CRITERIA_CHOICES, default="submitted")
    submit = SubmitField(_l("Save"))


class VoidForm(TranslatedForm):
    phone = StringField(_l("Participant's phone number"), validators=[DataRequired(), Length(max=20)])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=300)])
    submit = SubmitField(_l("Void the results"))


class ConfirmForm(TranslatedForm):
    submit = SubmitField(_l("Confirm"))
