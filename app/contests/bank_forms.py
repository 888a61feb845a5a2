"""Forms of the bank editor, the question exchange (Moodle GIFT / XML, Aiken, XLSX/CSV) and the audit."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import TranslatedForm

LETTERS = "ABCDEF"
DIFFICULTY_CHOICES = [("1", _l("1 — easy")), ("2", _l("2 — medium")), ("3", _l("3 — hard"))]
IMPORT_FORMATS = [
    ("", _l("Recognise from the file name")),
    ("gift", _l("Moodle GIFT")),
    ("moodle-xml", _l("Moodle XML")),
    ("aiken", _l("Aiken")),
    ("xlsx", _l("Excel (XLSX)")),
    ("csv", _l("CSV")),
]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class BankForm(TranslatedForm):
    # Checked by bank_editor.check_bank_values (errors tied to these fields).
    slug = StringField(_l("Short name (in the address)"), validators=[Length(max=80)],
                       description=_l("a-z, 0-9 and dashes, e.g. chuyen-doi-so-2026"))
    title = StringField(_l("Title"), validators=[Length(max=200)])
    owner = StringField(
        _l("For contests in the locality with code"), validators=[Optional(), Length(max=20)],
        description=_l("Organizers of this unit and of the units above it manage the bank."),
    )
    submit = SubmitField(_l("Save"))


class QuestionForm(TranslatedForm):
    # Checked by the rules of the file import (bank_editor.save_question), errors tied to fields.
    key = StringField(_l("Id in the bank"), validators=[Length(max=60)],
                      description=_l("Letters, digits, dots, dashes or underscores, e.g. vneid-012"))
    text = TextAreaField(_l("Question"), validators=[Length(max=5000)])
    option_a = StringField(_l("Option A"), validators=[Optional(), Length(max=1000)])
    option_b = StringField(_l("Option B"), validators=[Optional(), Length(max=1000)])
    option_c = StringField(_l("Option C"), validators=[Optional(), Length(max=1000)])
    option_d = StringField(_l("Option D"), validators=[Optional(), Length(max=1000)])
    option_e = StringField(_l("Option E"), validators=[Optional(), Length(max=1000)])
    option_f = StringField(_l("Option F"), validators=[Optional(), Length(max=1000)])
    correct = MultiCheckboxField(_l("Right answer(s)"), choices=[(c, c) for c in LETTERS])
    explanation = TextAreaField(_l("Explanation (shown after the round closes)"),
                                validators=[Optional(), Length(max=5000)])
    # Checked by the same rules as the file import (bank_editor.save_question), errors tied here.
    competence = SelectField(_l("Competence"), choices=[], default="", validate_choice=False)
    difficulty = SelectField(_l("Difficulty"), choices=DIFFICULTY_CHOICES, default="1", validate_choice=False)
    tags = StringField(_l("Tags (comma separated)"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Save the question"))

    def option_fields(self) -> list:
        return [self.option_a, self.option_b, self.option_c, self.option_d, self.option_e, self.option_f]


class PreviewForm(TranslatedForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    tags = StringField(_l("Only questions with these tags (comma separated, optional)"),
                       validators=[Optional(), Length(max=300)])
    easy = IntegerField(_l("Easy questions"), default=10, validators=[Optional(), NumberRange(0, 100)])
    medium = IntegerField(_l("Medium questions"), default=10, validators=[Optional(), NumberRange(0, 100)])
    hard = IntegerField(_l("Hard questions"), default=10, validators=[Optional(), NumberRange(0, 100)])
    submit = SubmitField(_l("Preview a draw"))


class QuestionImportForm(TranslatedForm):
    file = FileField(_l("Question file (GIFT, Moodle XML, Aiken, XLSX or CSV)"), validators=[FileRequired()])
    format = SelectField(_l("Format"), choices=IMPORT_FORMATS, default="", validate_choice=False)
    bank = StringField(
        _l("Into the bank with short name (GIFT, Moodle XML, Aiken)"), validators=[Optional(), Length(max=80)],
        description=_l("A new bank is created when none has this name; empty: named after the file."),
    )
    # Checked by the import itself (an unknown value is reported with the questions it concerns).
    competence = SelectField(_l("Competence of questions that name none"), choices=[], default="",
                             validate_choice=False)
    difficulty = SelectField(_l("Difficulty of questions that name none"), choices=DIFFICULTY_CHOICES, default="1",
                             validate_choice=False)
    skip_unsupported = BooleanField(_l("Skip the questions of types this product does not grade"))
    submit = SubmitField(_l("Check and import"))


class AuditFilterForm(TranslatedForm):
    class Meta:
        csrf = False

    contest = SelectField(_l("Contest"), choices=[], validators=[Optional()])
    round = SelectField(_l("Round"), choices=[], validators=[Optional()])
    person = SelectField(_l("Person"), choices=[], validators=[Optional()])
    kind = SelectField(_l("Kind of change"), choices=[], validators=[Optional()])
    submit = SubmitField(_l("Filter"))
