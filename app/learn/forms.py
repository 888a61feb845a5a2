"""Forms of the learning area: creating an assisted account and authoring courses, lessons, steps."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from app.core.forms import TranslatedForm
from app.learn.models import AUDIENCES, LESSON_KINDS, STATUSES

SLUG = Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message=_l("Use lower-case letters, digits and dashes."))


class AssistedCitizenForm(TranslatedForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    birth_year = IntegerField(_l("Year of birth"), validators=[Optional(), NumberRange(1900, 2030)])
    phone = StringField(_l("Phone number (if they have one)"), validators=[Optional(), Length(max=20)])
    locality_id = SelectField(_l("Where they live"), coerce=int)
    submit = SubmitField(_l("Create and start learning"))


def _audience_choices():
    labels = {"citizen": _l("Citizens"), "official": _l("Officials"), "all": _l("Everyone")}
    return [(a, labels[a]) for a in AUDIENCES]


def _status_choices():
    labels = {"draft": _l("Draft (hidden)"), "published": _l("Published")}
    return [(s, labels[s]) for s in STATUSES]


class CourseForm(TranslatedForm):
    slug = StringField(_l("Short name in the address"), validators=[DataRequired(), Length(max=80), SLUG])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=2000)])
    audience = SelectField(_l("For whom"), choices=_audience_choices)
    competences = StringField(_l("Competence codes"), validators=[DataRequired(), Length(max=200)],
                              description=_l("Separated by commas, for example 2.3, 4.2"))
    order = IntegerField(_l("Order"), default=0, validators=[Optional(), NumberRange(0, 10000)])
    status = SelectField(_l("Status"), choices=_status_choices)
    submit = SubmitField(_l("Save"))


class LessonForm(TranslatedForm):
    slug = StringField(_l("Short name in the address"), validators=[DataRequired(), Length(max=80), SLUG])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=[(k, k) for k in LESSON_KINDS])
    minutes = IntegerField(_l("Minutes"), default=5, validators=[DataRequired(), NumberRange(1, 240)])
    competences = StringField(_l("Competence codes"), validators=[DataRequired(), Length(max=200)],
                              description=_l("Separated by commas, for example 2.3, 4.2"))
    order = IntegerField(_l("Order"), default=0, validators=[Optional(), NumberRange(0, 10000)])
    status = SelectField(_l("Status"), choices=_status_choices)
    body = TextAreaField(_l("Introduction (Markdown)"), validators=[Optional(), Length(max=20000)])
    video = FileField(_l("Video (MP4 or WebM, up to 50 MB)"))
    captions = FileField(_l("Captions (WebVTT .vtt)"))
    poster = FileField(_l("Poster image (PNG, JPEG or WebP, up to 2 MB)"))
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Save"))


class StepForm(TranslatedForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Instruction (Markdown)"), validators=[Optional(), Length(max=20000)])
    tip = TextAreaField(_l("Tip"), validators=[Optional(), Length(max=1000)])
    warning = TextAreaField(_l("Warning"), validators=[Optional(), Length(max=1000)])
    image = FileField(_l("Image (PNG, JPEG or WebP, up to 2 MB)"))
    image_alt = StringField(_l("Image description for screen readers"),
                            validators=[Optional(), Length(max=300)])
    audio = FileField(_l("Narration (MP3, Ogg or WAV)"))
    check_question = StringField(_l("Check question"), validators=[Optional(), Length(max=500)])
    check_options = TextAreaField(_l("Answers, one per line"), validators=[Optional(), Length(max=2000)])
    check_answer = IntegerField(_l("Number of the right answer"), validators=[Optional(), NumberRange(1, 10)])
    rehearsal = TextAreaField(_l("Rehearsal form (YAML, see docs/content.md)"),
                              validators=[Optional(), Length(max=10000)])
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Save"))


class NewStepForm(TranslatedForm):
    title = StringField(_l("Title of the new step"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Add step"))
