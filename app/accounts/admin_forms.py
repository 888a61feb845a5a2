from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length


class TableUploadForm(FlaskForm):
    file = FileField(_l("File (CSV or XLSX)"), validators=[FileRequired(_l("Choose a file to upload."))])
    submit = SubmitField(_l("Check and import"))


class GrantForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[("helper", _l("Community digital helper")),
                                            ("organizer", _l("Organizer")),
                                            ("manager", _l("Manager")),
                                            ("admin", _l("Administrator"))])
    locality_code = StringField(_l("Locality code"), validators=[DataRequired(), Length(max=20)],
                                description=_l("The role covers this unit and everything below it."))
    submit = SubmitField(_l("Grant"))
